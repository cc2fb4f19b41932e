"""The `timeout` query parameter: how long the API server gives a request, counted from when its head arrived.

The real server sets the request's deadline from it (capped at its own request timeout) as soon as the head is
read; a write whose body arrives after that is not executed, the client gets 504 Timeout. A client can so bound
when a request it started may still take effect, whatever happens to it between its head and its body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from . import errors
from .errors import ApiError

# Go's time.ParseDuration: a sequence of decimal numbers, each with a unit ("1.5s", "2m30s", "300ms").
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def timeout_seconds(query: Mapping[str, str]) -> float | None:
    """The request's `timeout` in seconds, None without one; 400 for one the real server could not parse."""
    text = query.get("timeout") or ""
    if not text:
        return None
    parts = list(_PART.finditer(text))
    if not parts or "".join(p[0] for p in parts) != text:
        raise errors.bad_request(f"invalid timeout specified in the request URL: {text!r}")
    return sum(float(p[1]) * _UNIT_SECONDS[p[2]] for p in parts)


def timed_out() -> ApiError:
    return ApiError(504, "Timeout: request did not complete within the allotted timeout", "Timeout", {})
