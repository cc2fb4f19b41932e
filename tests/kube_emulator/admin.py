"""The admin API of a standalone emulator (`/_emulator/...` on the same port), so a test or tool in another
process can inject faults and read the request counters as the in-process fixtures do.

Admin requests are neither counted nor subject to faults: they are not part of the cluster's API.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import errors
from .errors import ApiError
from .faults import Faults, RequestLog

PREFIX = "/_emulator/"
_ACTIONS = ("fail", "hang", "close")


def is_admin(path: str) -> bool:
    return path.startswith(PREFIX)


def handle(method: str, path: str, body: bytes, faults: Faults, requests: RequestLog) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of one admin request."""
    route = (method, path[len(PREFIX) :].rstrip("/"))
    try:
        if route == ("POST", "faults"):
            return (201, {"id": _add_fault(faults, _decode(body))})
        if route == ("DELETE", "faults"):
            faults.clear()
            return (200, {})
        if route == ("GET", "requests"):
            counters = {
                "total": requests.total,
                "reads": requests.reads,
                "writes": requests.writes,
                "mutating_writes": requests.mutating_writes,
            }
            return (200, counters)
        if route == ("POST", "requests/reset"):
            requests.reset()
            return (200, {})
    except ApiError as exc:
        return (exc.code, exc.status())
    return (404, errors.status_body(404, f"no admin route {method} {path}", "NotFound"))


def _decode(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        raise errors.bad_request("the fault is not JSON") from None
    if not isinstance(document, dict):
        raise errors.bad_request("the fault must be a JSON object")
    return document


def _add_fault(faults: Faults, spec: dict[str, Any]) -> int:
    action = spec.get("action", "fail")
    if action not in _ACTIONS:
        raise errors.bad_request(f"action must be one of {', '.join(_ACTIONS)}")
    times = spec.get("times", 1)
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise errors.bad_request("times must be a positive integer or null (until cleared)")
    match = {"times": times, "method": spec.get("method"), "path": spec.get("path"), "query": spec.get("query")}
    for field in ("method", "path", "query"):
        if match[field] is not None and not isinstance(match[field], str):
            raise errors.bad_request(f"{field} must be a string")
    try:
        if action == "fail":
            status = spec.get("status", 500)
            if not isinstance(status, int) or not 400 <= status <= 599:
                raise errors.bad_request("status must be an HTTP error status (400-599)")
            return faults.fail(status, message=str(spec.get("message") or ""), **match).id
        if action == "hang":
            return faults.hang(seconds=float(spec.get("seconds", 30.0)), **match).id
        return faults.close(**match).id
    except (TypeError, ValueError, re.error) as exc:
        raise errors.bad_request(f"invalid fault: {exc}") from None
