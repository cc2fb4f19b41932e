"""`POST /hooks/github`, `/hooks/gitlab` and `/hooks/generic`: a signed push wakes the fetch, nothing more.

A delivery's URL and commit are never trusted — the daemon fetches its own configured repository and branch.
A body over 1 MiB is refused (413) before it is read whole; a bad or missing signature gets 401 and fetches
nothing; a delivery id seen before is acknowledged without a second fetch; a push to another branch is ignored.
A burst of pushes coalesces: each one only sets the fetch's wake-up, which the fetch clears when it starts.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from reconciler.daemon.secrets import read_secret
from reconciler.daemon.signatures import generic_signature_valid, github_signature_valid, gitlab_token_valid

MAX_BODY_BYTES = 1024 * 1024
REMEMBERED_DELIVERIES = 1024
GITHUB_SECRET_VARIABLE = "PORTAL_GITHUB_WEBHOOK_SECRET"
GITLAB_TOKEN_VARIABLE = "PORTAL_GITLAB_WEBHOOK_TOKEN"
GENERIC_SECRET_VARIABLE = "PORTAL_WEBHOOK_SECRET"


@dataclass(frozen=True, slots=True)
class WebhookSecrets:
    github: str | None = None
    gitlab: str | None = None
    generic: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> WebhookSecrets:
        return cls(
            github=read_secret(GITHUB_SECRET_VARIABLE, environ),
            gitlab=read_secret(GITLAB_TOKEN_VARIABLE, environ),
            generic=read_secret(GENERIC_SECRET_VARIABLE, environ),
        )


class SeenDeliveries:
    """The ids of the last deliveries acted on, oldest forgotten first."""

    def __init__(self, size: int = REMEMBERED_DELIVERIES) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def first_time(self, delivery: str) -> bool:
        """Remember `delivery`; False when it was seen already."""
        if delivery in self._ids:
            return False
        self._ids[delivery] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


class Rejected(Exception):
    def __init__(self, status: int, result: str, message: str) -> None:
        super().__init__(message)
        self.status, self.result = status, result


async def _read_body(request: web.Request) -> bytes:
    """The body, refused with 413 as soon as it is known to be over the limit (by its length or while reading)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Rejected(413, "too_large", f"body over {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Rejected(413, "too_large", f"body over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except (UnicodeDecodeError, ValueError):
        raise Rejected(400, "bad_request", "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise Rejected(400, "bad_request", "the body is not a JSON object")
    return payload


class Webhooks:
    """The webhook routes; `wake` asks for a fetch, `count` counts each delivery by endpoint and result."""

    def __init__(
        self,
        secrets: WebhookSecrets,
        branch: str,
        wake: Callable[[], None],
        count: Callable[[str, str], None],
    ) -> None:
        self._secrets = secrets
        self._ref = f"refs/heads/{branch}"
        self._wake = wake
        self._count = count
        self._seen = SeenDeliveries()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/hooks/github", self._github),
            web.post("/hooks/gitlab", self._gitlab),
            web.post("/hooks/generic", self._generic),
        ]

    async def _github(self, request: web.Request) -> web.Response:
        secret = self._secrets.github

        def verify(body: bytes) -> bool:
            return secret is not None and github_signature_valid(
                secret, body, request.headers.get("X-Hub-Signature-256")
            )

        event = request.headers.get("X-GitHub-Event", "")
        return await self._handle(
            "github", request, secret, verify, request.headers.get("X-GitHub-Delivery"), event in ("push", "")
        )

    async def _gitlab(self, request: web.Request) -> web.Response:
        token = self._secrets.gitlab

        def verify(_body: bytes) -> bool:
            return token is not None and gitlab_token_valid(token, request.headers.get("X-Gitlab-Token"))

        event = request.headers.get("X-Gitlab-Event", "")
        delivery = request.headers.get("X-Gitlab-Event-UUID") or request.headers.get("Idempotency-Key")
        return await self._handle("gitlab", request, token, verify, delivery, event in ("Push Hook", ""))

    async def _generic(self, request: web.Request) -> web.Response:
        secret = self._secrets.generic

        def verify(body: bytes) -> bool:
            return secret is not None and generic_signature_valid(
                secret, body, request.headers.get("X-Portal-Signature")
            )

        return await self._handle("generic", request, secret, verify, request.headers.get("X-Portal-Delivery"), True)

    async def _handle(
        self,
        endpoint: str,
        request: web.Request,
        secret: str | None,
        verify: Callable[[bytes], bool],
        delivery: str | None,
        is_push: bool,
    ) -> web.Response:
        try:
            if secret is None:  # never compare against an empty secret: the endpoint is off
                raise Rejected(404, "not_configured", f"the {endpoint} webhook has no secret configured")
            body = await _read_body(request)
            if not verify(body):
                raise Rejected(401, "unauthorized", "bad or missing signature")
            payload = _payload(body)
            if delivery and not self._seen.first_time(f"{endpoint}:{delivery}"):
                raise Rejected(200, "duplicate", f"delivery {delivery} was received before")
            if not is_push:
                raise Rejected(200, "ignored", "not a push event")
            ref = payload.get("ref")
            if ref is not None and ref != self._ref:
                raise Rejected(200, "ignored", f"a push to {str(ref)[:200]}, not {self._ref}")
        except Rejected as rejected:
            self._count(endpoint, rejected.result)
            return web.json_response({"result": rejected.result, "message": str(rejected)}, status=rejected.status)
        self._wake()
        self._count(endpoint, "accepted")
        return web.json_response({"result": "accepted", "message": "a fetch is on its way"}, status=202)
