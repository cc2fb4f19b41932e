"""The Content-Security-Policy every page carries."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# The policy is written into an HTML attribute: a host is letters, digits, dots and dashes (or an IPv6 address).
_HOST = re.compile(r"[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+")


def terminal_origin(terminal_url: str) -> str:
    """The origin of the terminal sidecar, as CSP names it (ws(s) for its WebSocket)."""
    parts = urlsplit(terminal_url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme not in ("http", "https", "ws", "wss")
        or not parts.hostname
        or not _HOST.fullmatch(parts.hostname)
        or port == -1
    ):
        raise ValueError(f"--terminal-url must be an http(s) or ws(s) URL with a host, not {terminal_url!r}")
    secure = parts.scheme in ("https", "wss")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    suffix = f":{port}" if port else ""
    return f"{'wss' if secure else 'ws'}://{host}{suffix} {'https' if secure else 'http'}://{host}{suffix}"


def content_security_policy(terminal_url: str | None) -> str:
    connect = "'self'" + (f" {terminal_origin(terminal_url)}" if terminal_url else "")
    return (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
        f"connect-src {connect}; object-src 'none'; base-uri 'self'"
    )


def terminal_view_policy(terminal_url: str) -> str:
    """The terminal pages' policy: the site's, plus inline styles, which xterm.js writes its theme and cell sizes
    into (scripts stay files only)."""
    return content_security_policy(terminal_url) + "; style-src 'self' 'unsafe-inline'"
