"""How long building the demo world takes: ``BankBackend.seed`` on in-memory SQLite."""

from __future__ import annotations

from .conftest import RESULTS


def test_seed_a_demo_world(benchmark, bank_app):
    backend = bank_app.extensions["mockbank"]
    benchmark.group = "seed"

    summary = benchmark.pedantic(backend.seed, args=(42,), rounds=10, warmup_rounds=1, iterations=1)

    stats = benchmark.stats.stats
    bookings = sum(account["bookings"] for account in summary["accounts"])
    benchmark.extra_info.update(accounts=len(summary["accounts"]), bookings=bookings)
    RESULTS["seed(42)"] = {
        "median_ms": round(stats.median * 1000, 1),
        "min_ms": round(stats.min * 1000, 1),
        "max_ms": round(stats.max * 1000, 1),
        "customers": len(summary["customers"]) + len(summary.get("magicUsers", [])),
        "accounts": len(summary["accounts"]),
        "bookings": bookings,
    }
    assert bookings > 3000
    # The fastest round is the world's own cost; the median also carries whatever else runs on the machine.
    assert stats.min < 1.0, "seeding a world must stay well under a second"
