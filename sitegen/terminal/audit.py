"""The audit trail: one JSON line per decision and per session start and end — who, which workspace, what was
decided and why, how long, how many bytes each way. Never the content of a session, never a token or secret."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO


class AuditLog:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr

    def write(self, event: str, **fields: Any) -> None:
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "event": event, **fields}
        self._stream.write(json.dumps(line, separators=(",", ":"), sort_keys=False) + "\n")
        self._stream.flush()
