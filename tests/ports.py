"""A free TCP port on the loopback interface, for a server that a test or benchmark starts in another process."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
