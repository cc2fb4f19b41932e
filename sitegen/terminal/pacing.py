"""Refusals paced per requester, as a login's fail delay or nginx's `limit_req … delay` paces them.

A requester refused again and again (the same user, or the same address while nobody is known yet) gets its
first `burst` refusals at once, then one per 1/`per_second` s: each later refusal waits for its turn before it
is answered. Only refusals wait. An allowed request never does, and neither does another requester's refusal.
A client that floods the sidecar with requests it may not make keeps its own connections waiting, and is
answered at a rate that leaves the open sessions their event loop.

What is remembered is bounded: the least recently refused requesters beyond `max_requesters` are forgotten, and
at most `max_waiting` refusals wait at once (beyond that they are answered without waiting, still through the
admission lane).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable

from sitegen.terminal.limits import TokenBucket


class RefusalPacing:
    def __init__(
        self,
        per_second: float,
        burst: int,
        *,
        max_waiting: int = 1024,
        max_requesters: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second < 0 or burst < 1:
            raise ValueError("refusal pacing needs a rate of 0 or more per second and a burst of at least 1")
        self.per_second, self.burst = per_second, burst
        self.max_waiting, self.max_requesters = max_waiting, max_requesters
        self._clock = clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()  # least recently refused first
        self.waiting = 0

    def delay(self, requester: str) -> float:
        """How long this refusal of `requester` waits: 0 within its burst, else until its turn (which it takes)."""
        if not self.per_second:
            return 0.0
        bucket = self._buckets.pop(requester, None) or TokenBucket(self.per_second, self.burst, self._clock)
        self._buckets[requester] = bucket
        if len(self._buckets) > self.max_requesters:
            self._buckets.popitem(last=False)
        return bucket.owe(1)

    async def wait(self, requester: str) -> bool:
        """Wait for this refusal's turn; whether it had to wait."""
        delay = self.delay(requester)
        if delay <= 0 or self.waiting >= self.max_waiting:
            return False
        self.waiting += 1
        try:
            await asyncio.sleep(delay)
        finally:
            self.waiting -= 1
        return True
