"""Fault injection and request counting, driven from test code in another thread."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Literal

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FaultAction = Literal["status", "hang", "close"]


@dataclass
class Fault:
    """One injected failure rule; it fires for the next `times` matching requests (None: until cleared)."""

    action: FaultAction
    times: int | None
    status: int = 500
    method: str | None = None
    path: re.Pattern[str] | None = None
    message: str = ""
    hang_seconds: float = 30.0
    retry_after: int | None = None
    query: re.Pattern[str] | None = None
    fired: int = 0
    id: int = 0  # its number among the faults added to this emulator

    def matches(self, method: str, path: str, query: str = "") -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.query is not None and self.query.search(query) is None:
            return False
        return self.path is None or self.path.search(path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class Faults:
    """`emulator.faults`: rules are checked in the order they were added; the first live match fires.

    `method` matches exactly (any if None); `path` and `query` are regexes searched in the request path
    and its query string (e.g. `query="watch="` for watches only).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []
        self._added = 0

    def _add(self, fault: Fault) -> Fault:
        with self._lock:
            fault.id = self._added
            self._added += 1
            self._rules.append(fault)
        return fault

    def fail(
        self,
        status: int = 500,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
        message: str = "",
        retry_after: int | None = None,
        query: str | None = None,
    ) -> Fault:
        """Answer the next `times` matching requests with `status` and a Status body.

        `retry_after` adds the Retry-After header and details.retryAfterSeconds, as the real server sends
        with 429 (priority and fairness) and some 503s.
        """
        fault = Fault(
            "status", times, status, method, _compile(path), message, retry_after=retry_after, query=_compile(query)
        )
        return self._add(fault)

    def hang(
        self,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
        seconds: float = 30.0,
        query: str | None = None,
    ) -> Fault:
        """Hold matching requests without answering for `seconds` (or until the emulator stops), then close."""
        return self._add(Fault("hang", times, 0, method, _compile(path), hang_seconds=seconds, query=_compile(query)))

    def close(
        self, *, times: int | None = 1, method: str | None = None, path: str | None = None, query: str | None = None
    ) -> Fault:
        """Drop the connection of matching requests without any answer."""
        return self._add(Fault("close", times, 0, method, _compile(path), query=_compile(query)))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, method: str, path: str, query: str = "") -> Fault | None:
        """The fault this request triggers, counting it as fired, or None."""
        with self._lock:
            for fault in self._rules:
                if not fault.exhausted and fault.matches(method, path, query):
                    fault.fired += 1
                    return fault
        return None


def _compile(path: str | None) -> re.Pattern[str] | None:
    return re.compile(path) if path is not None else None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    dry_run: bool = False


@dataclass
class RequestLog:
    """`emulator.requests`: every request received (including faulted ones), resettable between phases."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _entries: list[RecordedRequest] = field(default_factory=list)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(request)

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def writes(self) -> int:
        """POST/PUT/PATCH/DELETE requests, dry-run ones included (they are still write requests)."""
        return sum(1 for entry in self.entries if entry.method in WRITE_METHODS)

    @property
    def mutating_writes(self) -> int:
        """Write requests that were not dry-run."""
        return sum(1 for entry in self.entries if entry.method in WRITE_METHODS and not entry.dry_run)

    @property
    def reads(self) -> int:
        return sum(1 for entry in self.entries if entry.method not in WRITE_METHODS)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests with this method (any if None) whose path matches the regex `path` (any if None)."""
        pattern = _compile(path)
        return sum(
            1
            for entry in self.entries
            if (method is None or entry.method == method.upper())
            and (pattern is None or pattern.search(entry.path) is not None)
        )
