# Every target sets up .venv itself, so a fresh clone needs only Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/mockbank serve --seed 42

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n auto

bench: $(STAMP)
	$(BIN)/python -m pytest -q benchmarks -p no:randomly --benchmark-only --benchmark-columns=min,mean,max,rounds

lint: $(STAMP)
	$(BIN)/ruff check .

# tests/browser drive Debian's Chromium with Playwright (`playwright install` cannot download a browser here).
.PHONY: browser
browser: $(STAMP)
	@test -x /usr/bin/chromium || { s=$$(test "$$(id -u)" = 0 || echo sudo); $$s apt-get update -qq && \
		$$s env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	@echo "tests/browser will drive $$(/usr/bin/chromium --version 2>/dev/null)"

clean:
	rm -rf $(VENV) build *.egg-info
