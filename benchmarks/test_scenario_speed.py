"""A catalogue scenario in-process: simulated seconds per wall second, the requests it makes, and runs in a row."""

from __future__ import annotations

import time

import pytest

from scenarios import catalogue
from scenarios.runner import run_scenario
from scenarios.world import World

from .conftest import RESULTS
from .conftest import figure

# The scenario measured: the seed's whole happy path, from the company at the bank to its first imported booking.
SCENARIO = "happy_path"
SEED = 7
ROUNDS = 3
IN_A_ROW = 5
# The goal: ten million simulated seconds per wall second for the whole run, known state included.
GOAL = 10_000_000


@pytest.fixture(scope="module")
def known_state_only():
    """A scenario that does nothing: what is left is the runner's reset and seed (its own cost and requests)."""
    catalogue.scenario("bench_known_state_only", "Nothing but the known state of the seed")(lambda ctx, fake: None)
    yield "bench_known_state_only"
    catalogue.unregister("bench_known_state_only")


@pytest.fixture
def world():
    """An empty in-process world on a frozen clock; the runner seeds it per run."""
    made = World(seed=None)
    with made.activate():
        yield made
    made.close()


def _median_seconds(func, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return sorted(times)[rounds // 2]


def test_one_scenario_in_process_against_its_requests(benchmark, world, known_state_only):
    benchmark.group = "scenario in-process"

    def run():
        result = run_scenario(world, SCENARIO, seed=SEED)
        assert result.passed, result.failure.describe()
        return result

    result = benchmark.pedantic(run, rounds=ROUNDS, warmup_rounds=1, iterations=1)

    stats = benchmark.stats.stats
    requests = result.request_count
    # The known state (resets, the bank's demo build, the portal's registration) apart: the rest is the steps'.
    prepare = _median_seconds(lambda: run_scenario(world, known_state_only, seed=SEED), 3)
    prepare_requests = run_scenario(world, known_state_only, seed=SEED).request_count
    steps = stats.median - prepare
    simulated = (result.timeline[-1].at - result.started_at).total_seconds()
    benchmark.extra_info.update(scenario=SCENARIO, requests=requests, steps=len(result.timeline))
    figure(
        f"{SCENARIO} in-process: simulated seconds per wall second ({requests} requests, "
        f"{simulated / 86400:.1f} simulated days)",
        value=f"{simulated / stats.median / 1e6:.2f} M",
        yardstick=f"{stats.median * 1000:.0f} ms a run, {prepare * 1000:.0f} ms of it the known state",
        goal=f"≥ {GOAL // 1_000_000} M",
    )
    RESULTS[f"{SCENARIO} in-process"] = {
        "median_ms": round(stats.median * 1000, 1),
        "min_ms": round(stats.min * 1000, 1),
        "requests": requests,
        "ms_per_request": round(stats.median * 1000 / requests, 2),
        "known_state_ms": round(prepare * 1000, 1),
        "known_state_requests": prepare_requests,
        "ms_per_request_of_the_steps": round(steps * 1000 / (requests - prepare_requests), 2),
        "simulated_s_per_wall_s": round(simulated / stats.median),
        "simulated_s_per_wall_s_of_the_steps": round(simulated / steps),
    }
    assert requests > 30


def test_scenarios_in_a_row(benchmark, world):
    benchmark.group = "scenario in-process"

    def in_a_row():
        results = [run_scenario(world, SCENARIO, seed=seed) for seed in range(IN_A_ROW)]
        assert all(r.passed for r in results), [r.failure.describe() for r in results if not r.passed]
        return results

    results = benchmark.pedantic(in_a_row, rounds=1, warmup_rounds=0, iterations=1)

    total = benchmark.stats.stats.median
    requests = sum(r.request_count for r in results)
    RESULTS[f"{IN_A_ROW} x {SCENARIO} in a row"] = {
        "total_s": round(total, 2),
        "per_run_ms": round(total * 1000 / IN_A_ROW, 1),
        "requests": requests,
        "ms_per_request": round(total * 1000 / requests, 2),
    }
    # One world, a week per run: every run started on its own Monday, on a world brought to its seed's state.
    assert len({r.started_at for r in results}) == IN_A_ROW
