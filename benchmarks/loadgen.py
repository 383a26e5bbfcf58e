"""A bounded HTTP load: ``wrk`` when it is installed, else a small Python generator (processes of keep-alive threads).

Both keep ``connections`` connections busy for ``seconds`` and count the answers. The Python generator shares
the machine's cores with the server, so its absolute req/s are lower than wrk's; what the benchmark reports is
each endpoint against a bare endpoint measured the same way in the same run.
"""

from __future__ import annotations

import http.client
import multiprocessing
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# Never more than this many requests per process and run, however fast the server answers.
MAX_REQUESTS_PER_PROCESS = 50_000


@dataclass(frozen=True)
class Load:
    """What a load run measured: answers per second, how many answers, and how many were not 2xx/3xx."""

    requests_per_second: float
    requests: int
    errors: int
    tool: str


@dataclass(frozen=True)
class Target:
    """One request to repeat: method, full URL, headers and body."""

    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


def run(target: Target, *, connections: int = 16, seconds: float = 4.0, processes: int = 2) -> Load:
    """Keep ``connections`` connections busy with ``target`` for ``seconds``: wrk if installed, else Python."""
    if shutil.which("wrk"):
        return _wrk(target, connections=connections, seconds=seconds, threads=processes)
    return _python(target, connections=connections, seconds=seconds, processes=processes)


# --- wrk --------------------------------------------------------------------------------------------------


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wrk(target: Target, *, connections: int, seconds: float, threads: int) -> Load:
    script = [f"wrk.method = {_lua_string(target.method)}"]
    if target.body:
        script.append(f"wrk.body = {_lua_string(target.body.decode())}")
    script += [f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}" for name, value in target.headers]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "request.lua"
        path.write_text("\n".join(script) + "\n", encoding="utf-8")
        output = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(path), target.url],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    return Load(rate, total, errors, "wrk")


# --- Python -----------------------------------------------------------------------------------------------


def _hammer(args: tuple[Target, int, float]) -> tuple[int, int, float]:
    """One process: ``threads`` keep-alive connections until the deadline; (answers, errors, seconds taken)."""
    target, threads, seconds = args
    parts = urlsplit(target.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = dict(target.headers)
    counts = [0, 0]
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds

    def worker() -> None:
        done = bad = 0
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            while time.perf_counter() < deadline and done < MAX_REQUESTS_PER_PROCESS // threads:
                try:
                    connection.request(target.method, path, body=target.body or None, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    done += 1
                    bad += response.status >= 400
                except (OSError, http.client.HTTPException):
                    bad += 1
                    connection.close()
                    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        finally:
            connection.close()
            with lock:
                counts[0] += done
                counts[1] += bad

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return counts[0], counts[1], time.perf_counter() - started


def _python(target: Target, *, connections: int, seconds: float, processes: int) -> Load:
    threads = max(1, connections // processes)
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.map(_hammer, [(target, threads, seconds)] * processes)
    answers = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    elapsed = max(r[2] for r in results)
    return Load(answers / elapsed, answers, errors, f"python ({processes} processes x {threads} connections)")
