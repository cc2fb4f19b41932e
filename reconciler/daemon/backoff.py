"""Per-cluster retry with exponential backoff: a failing cluster waits longer each time and never holds up the
others, which go on at every interval."""

from __future__ import annotations

import time
from collections.abc import Callable

INITIAL_BACKOFF = 5.0
MAX_BACKOFF = 300.0


class ClusterBackoff:
    def __init__(
        self,
        initial: float = INITIAL_BACKOFF,
        ceiling: float = MAX_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._initial, self._ceiling, self._clock = initial, ceiling, clock
        self._failures: dict[str, int] = {}
        self._retry_at: dict[str, float] = {}

    def due(self, cluster: str) -> bool:
        """Whether `cluster` may be tried now."""
        return self._clock() >= self._retry_at.get(cluster, 0.0)

    def failed(self, cluster: str) -> float:
        """Count a failure; returns the delay before the next try."""
        failures = self._failures.get(cluster, 0) + 1
        self._failures[cluster] = failures
        delay = min(self._ceiling, self._initial * 2 ** (failures - 1))
        self._retry_at[cluster] = self._clock() + delay
        return delay

    def succeeded(self, cluster: str) -> None:
        self._failures.pop(cluster, None)
        self._retry_at.pop(cluster, None)

    def next_retry_in(self) -> float | None:
        """Seconds until the earliest retry, or None when no cluster is backing off."""
        if not self._retry_at:
            return None
        return max(0.0, min(self._retry_at.values()) - self._clock())
