"""Whether a webhook delivery comes from who holds the secret: pure checks, each a constant-time comparison."""

from __future__ import annotations

import hashlib
import hmac


def _hmac_sha256(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`."""
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(header.removeprefix("sha256=").encode(), _hmac_sha256(secret, body).encode())


def gitlab_token_valid(token: str, header: str | None) -> bool:
    """GitLab sends the configured token itself in `X-Gitlab-Token`."""
    return header is not None and hmac.compare_digest(header.encode(), token.encode())


def generic_signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """`X-Portal-Signature: sha256=<hex HMAC-SHA256 of the body>` (the bare hex digest is accepted too)."""
    if not header:
        return False
    return hmac.compare_digest(header.removeprefix("sha256=").encode(), _hmac_sha256(secret, body).encode())
