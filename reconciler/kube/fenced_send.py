"""Write requests whose fence is asked after their head is on the wire and before their body is.

A replica can be paused (SIGSTOP, a frozen VM, a long GC) at any instruction. Asked before the request is sent,
a fence leaves the whole sending open: a pause after the check sends the request on waking, and a pause between
the head and the body (urllib3 sends them apart) lets the API server complete the request from the rest sent on
waking. So the fence is asked here, by the connection itself: connected, the head sent, and only then, right
before the body goes out in one piece. A replica fenced by then closes the connection: the server has a head
without its body, which it never executes. A pause after the check, before the body is sent, is what the
request's `timeout` covers: the API server counts it from the head's arrival and executes no write past it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import urllib3
from urllib3.connectionpool import HTTPConnectionPool

Fence = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class WriteFence:
    """Whether a replica may still write, and how long the API server is given to execute a write from when its
    head arrives (the request's `timeout`; None: as long as the server allows)."""

    allows: Fence
    server_timeout: float | None = None


_FENCE: ContextVar[tuple[Fence, Exception] | None] = ContextVar("write_fence", default=None)


@contextmanager
def fenced(fence: Fence, refusal: Exception) -> Iterator[None]:
    """Requests this thread sends meanwhile ask `fence` before their body and raise `refusal` if it says no."""
    token = _FENCE.set((fence, refusal))
    try:
        yield
    finally:
        _FENCE.reset(token)


class FencedSending(urllib3.connection.HTTPConnection):
    """A connection that asks the current fence (if any) between a request's head and its body."""

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> None:
        current = _FENCE.get()
        if current is None:
            return super().request(method, url, body=body, headers=headers, **options)
        fence, refusal = current
        if body is None:
            if not fence():
                raise refusal
            return super().request(method, url, body=None, headers=headers, **options)
        # The head alone (its Content-Length announces the body), then the check, then the body in one send.
        super().request(
            method, url, body=None, headers={**(headers or {}), "Content-Length": str(len(body))}, **options
        )
        if not fence():
            raise refusal  # urllib3 closes the connection: the server never gets the body
        self.send(body)
        return None


def fence_writes(pool_manager: urllib3.PoolManager) -> None:
    """Make every connection `pool_manager` opens from now on a fenced one (whatever kind of pool it uses)."""
    pool_manager.clear()  # pools opened before would keep plain connections
    pool_manager.pool_classes_by_scheme = {
        scheme: _fenced_pool(pool) for scheme, pool in pool_manager.pool_classes_by_scheme.items()
    }


@functools.cache
def _fenced_pool(pool: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
    if issubclass(pool.ConnectionCls, FencedSending):
        return pool
    connection = type(f"Fenced{pool.ConnectionCls.__name__}", (FencedSending, pool.ConnectionCls), {})
    return type(f"Fenced{pool.__name__}", (pool,), {"ConnectionCls": connection})
