"""Timing a figure beside its yardstick in the same run: interleaved batches, so load on the machine hits both."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Versus:
    """A figure and its yardstick, seconds per call (medians), and the median of the per-round ratios."""

    seconds: float
    yardstick_seconds: float
    ratio: float

    def row(self) -> dict:
        """The figures in microseconds, for the report."""
        return {
            "us": round(self.seconds * 1e6, 1),
            "yardstick_us": round(self.yardstick_seconds * 1e6, 1),
            "ratio": round(self.ratio, 2),
        }


def _batch(call: Callable[[], object], size: int) -> float:
    started = time.perf_counter()
    for _ in range(size):
        call()
    return (time.perf_counter() - started) / size


def versus(call: Callable[[], object], yardstick: Callable[[], object], *, rounds: int = 30, batch: int = 40) -> Versus:
    """Time ``call`` against ``yardstick`` in alternating batches; the ratio is the median of each round's ratio."""
    for _ in range(3):
        call()
        yardstick()
    mine, theirs, ratios = [], [], []
    for _ in range(rounds):
        ours = _batch(call, batch)
        bare = _batch(yardstick, batch)
        mine.append(ours)
        theirs.append(bare)
        ratios.append(ours / bare)
    return Versus(statistics.median(mine), statistics.median(theirs), statistics.median(ratios))
