"""Who this replica is to the others: the holder identity written into Leases."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path


def replica_identity(explicit: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """`--identity`, else POD_NAME (the Deployment passes it from the downward API), else host name and pid."""
    if explicit:
        return explicit
    if environ.get("POD_NAME"):
        return environ["POD_NAME"]
    return f"{socket.gethostname()}_{os.getpid()}"


SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def lease_namespace(environ: Mapping[str, str] = os.environ, namespace_file: Path = SERVICE_ACCOUNT_NAMESPACE) -> str:
    """Where the Leases live: POD_NAMESPACE (deploy/ passes it), else the pod's own namespace, else `default`."""
    if environ.get("POD_NAMESPACE"):
        return environ["POD_NAMESPACE"]
    try:
        return namespace_file.read_text(encoding="utf-8").strip() or "default"
    except OSError:
        return "default"
