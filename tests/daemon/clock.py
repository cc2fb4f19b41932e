"""A monotonic clock a test moves by hand, so lease expiry is exact and a test never sleeps a lease out."""

from __future__ import annotations


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
