"""Who this replica is to the others: the holder identity written into Leases."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


def replica_identity(explicit: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """`--identity`, else POD_NAME (the Deployment passes it from the downward API), else host name and pid."""
    if explicit:
        return explicit
    if environ.get("POD_NAME"):
        return environ["POD_NAME"]
    return f"{socket.gethostname()}_{os.getpid()}"
