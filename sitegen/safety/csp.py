"""The Content-Security-Policy every page carries."""

from __future__ import annotations

from urllib.parse import urlsplit


def terminal_origin(terminal_url: str) -> str:
    """The origin of the terminal sidecar, as CSP names it (ws(s) for its WebSocket)."""
    parts = urlsplit(terminal_url)
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.hostname:
        raise ValueError(f"--terminal-url must be an http(s) or ws(s) URL with a host, not {terminal_url!r}")
    secure = parts.scheme in ("https", "wss")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{'wss' if secure else 'ws'}://{host}{port} {'https' if secure else 'http'}://{host}{port}"


def content_security_policy(terminal_url: str | None) -> str:
    connect = "'self'" + (f" {terminal_origin(terminal_url)}" if terminal_url else "")
    return (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
        f"connect-src {connect}; object-src 'none'; base-uri 'self'"
    )
