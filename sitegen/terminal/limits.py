"""How much one client may take: sessions per user and in all, and input per session (frame size and rate)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    sessions_per_user: int = 4
    sessions_total: int = 200
    max_frame_bytes: int = 64 * 1024
    input_bytes_per_second: int = 64 * 1024  # sustained; a burst of `input_burst_bytes` is allowed
    input_burst_bytes: int = 256 * 1024
    idle_timeout: float = 15 * 60.0
    max_session: float = 8 * 3600.0
    ping_interval: float = 25.0
    requests_per_turn: int = 2  # refusals answered per turn of the event loop (see sitegen.terminal.lane)
    # One requester's refusals: `refusal_burst` at once, then this many per second (0: no pacing; see
    # sitegen.terminal.pacing).
    refusals_per_second: float = 200.0
    refusal_burst: int = 20


class SessionCaps:
    """Open sessions per user and in all; `admit` reserves a slot or says which cap is reached."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._per_user: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self._per_user.values())

    def admit(self, user: str) -> str | None:
        """None when admitted (the slot is taken until `release`), else the cap that refused it."""
        key = user.lower()
        if self.total >= self._limits.sessions_total:
            return "global session limit"
        if self._per_user[key] >= self._limits.sessions_per_user:
            return "per-user session limit"
        self._per_user[key] += 1
        return None

    def release(self, user: str) -> None:
        key = user.lower()
        self._per_user[key] -= 1
        if self._per_user[key] <= 0:
            del self._per_user[key]


class TokenBucket:
    """What a client may still do at once (a session's input bytes, a requester's refusals answered without
    waiting): refilled at `rate` per second up to `burst`."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate, self._burst, self._clock = rate, burst, clock
        self._level = burst
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._level = min(self._burst, self._level + (now - self._at) * self._rate)
        self._at = now

    def take(self, amount: int) -> bool:
        """Take `amount` if the bucket holds it."""
        self._refill()
        if amount > self._level:
            return False
        self._level -= amount
        return True

    def owe(self, amount: int) -> float:
        """Take `amount` even beyond what the bucket holds; the seconds until it would have held it (0 if it did).
        Later takers queue behind the debt."""
        self._refill()
        self._level -= amount
        return max(0.0, -self._level / self._rate)
