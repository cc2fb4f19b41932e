"""Fairness in the sidecar's one event loop between the sessions already open and refused requests.

Every callback that is ready when a turn of the loop begins runs in that turn. A burst of refused upgrades (50 at
once, each answered, its connection written to) would make a session's echo, whose socket or PTY became readable
in the same turn, wait behind the whole burst. Through the admission lane at most `per_turn` refusals are
answered per turn, in arrival order; the rest wait for the next turns, which also run whatever session I/O became
ready meanwhile. A burst is spread out instead of stalling the sessions; an admitted request never waits here.
"""

from __future__ import annotations

import asyncio
from collections import deque


class AdmissionLane:
    def __init__(self, per_turn: int) -> None:
        if per_turn < 1:
            raise ValueError("an admission lane must admit at least one request per turn")
        self.per_turn = per_turn
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._turn_scheduled = False

    async def enter(self) -> None:
        """Return in the next turn of the loop, or a later one when `per_turn` waiters or more are ahead."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiting.append(waiter)
        if not self._turn_scheduled:
            self._turn_scheduled = True
            loop.call_soon(self._turn, loop)
        await waiter  # a request cancelled while it waits is skipped: it holds up nobody

    def _turn(self, loop: asyncio.AbstractEventLoop) -> None:
        """Release the next `per_turn` waiters (they start in the following turn); go on each turn while any wait."""
        released = 0
        while released < self.per_turn and self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                released += 1
        if self._waiting:
            loop.call_soon(self._turn, loop)
        else:
            self._turn_scheduled = False
