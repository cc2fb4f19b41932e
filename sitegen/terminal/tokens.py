"""Short-lived signed tokens: HMAC-SHA256 over user, workspace, expiry and a one-time id.

A token is `<payload>.<signature>`, both base64url without padding, so it fits in a WebSocket subprotocol
(`bearer.<token>`). The signing key comes from PORTAL_TERMINAL_TOKEN_KEY or the file named by
PORTAL_TERMINAL_TOKEN_KEY_FILE, the same for `serve` and `token`. Tokens are spent on first use: the one-time id
is remembered until the token expires (in memory, and in PostgreSQL when one is configured so replicas share it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

KEY_VARIABLE = "PORTAL_TERMINAL_TOKEN_KEY"
KEY_FILE_VARIABLE = "PORTAL_TERMINAL_TOKEN_KEY_FILE"
MIN_KEY_BYTES = 32
MAX_TOKEN_CHARS = 2048


class TokenError(Exception):
    """A token that is malformed, forged, expired, spent or for another workspace; the message never quotes it."""


class SigningKeyError(Exception):
    """The signing key is missing or too short."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user: str
    workspace: str  # "team/name"
    expires_at: int  # seconds since the epoch
    token_id: str  # one-time id


def signing_key(environ: Mapping[str, str] = os.environ) -> bytes:
    """The key from the environment, or SigningKeyError saying how to provide one (never what it is)."""
    if environ.get(KEY_VARIABLE):
        key = environ[KEY_VARIABLE].encode()
        where = f"${KEY_VARIABLE}"
    elif environ.get(KEY_FILE_VARIABLE):
        path = Path(environ[KEY_FILE_VARIABLE])
        try:
            key = path.read_bytes().strip()
        except OSError as exc:
            raise SigningKeyError(f"${KEY_FILE_VARIABLE}: cannot read {path}: {exc.strerror}") from None
        where = str(path)
    else:
        raise SigningKeyError(f"no token signing key: set ${KEY_VARIABLE} or ${KEY_FILE_VARIABLE}")
    if len(key) < MIN_KEY_BYTES:
        raise SigningKeyError(f"the token signing key in {where} is shorter than {MIN_KEY_BYTES} bytes")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def issue(key: bytes, user: str, workspace: str, ttl_seconds: float, now: float | None = None) -> str:
    issued = time.time() if now is None else now
    claims = {"u": user, "w": workspace, "exp": int(issued + ttl_seconds), "jti": secrets.token_hex(16)}
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_signature(key, payload)}"


def verify(key: bytes, token: str, now: float | None = None) -> TokenClaims:
    """The claims of a genuine, unexpired token (not yet checked against spent ids or a workspace)."""
    payload, dot, signature = token.partition(".")
    if not dot or len(token) > MAX_TOKEN_CHARS:
        raise TokenError("malformed token")
    if not hmac.compare_digest(_signature(key, payload), signature):
        raise TokenError("bad token signature")
    try:
        claims = json.loads(_unb64(payload))
        result = TokenClaims(str(claims["u"]), str(claims["w"]), int(claims["exp"]), str(claims["jti"]))
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise TokenError("malformed token") from None
    if result.expires_at <= (time.time() if now is None else now):
        raise TokenError("expired token")
    return result


def parse_ttl(text: str) -> float:
    """`90s`, `5m`, `1h` or plain seconds; ValueError otherwise."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise ValueError(f"{text!r}: expected a duration such as 90s, 5m or 1h") from None
    if not 0 < seconds <= 24 * 3600:
        raise ValueError(f"{text!r}: a token lives more than 0 s and at most 24 h")
    return seconds
