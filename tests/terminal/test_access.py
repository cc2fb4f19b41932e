"""Who gets a terminal: the authorisation matrix, identities a peer cannot forge, tokens, Origins and caps.

Every refusal happens before the upgrade, starts no process and is an audit line."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from reconciler.model.kinds import RepoModel
from sitegen.terminal.limits import Limits
from sitegen.terminal.tokens import issue
from tests.terminal.builders import KEY_BYTES, ORIGIN, read_until, serving

ALICE_LEDGER = "payments/alice-ledger"  # owned by alice, the team's admin
OLGA_NOTES = "payments/olga-notes"  # owned by olga, a viewer


async def _status(harness, **kwargs) -> int:  # type: ignore[no-untyped-def]
    """The HTTP status of an upgrade attempt (101 when it succeeded)."""
    try:
        socket = await harness.connect(**kwargs)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    await socket.close()
    return 101


@pytest.mark.parametrize(
    ("user", "workspace", "status", "reason"),
    [
        ("olga@acme.dev", OLGA_NOTES, 101, "owner"),
        ("OLGA@acme.dev", OLGA_NOTES, 101, "owner"),
        ("alice@acme.dev", OLGA_NOTES, 101, "team admin"),
        ("bob@acme.dev", OLGA_NOTES, 101, "team operator"),
        ("vic@acme.dev", OLGA_NOTES, 403, "team viewer"),
        ("olga@acme.dev", ALICE_LEDGER, 403, "team viewer"),
        ("eve@evil.test", OLGA_NOTES, 403, "not a member"),
        ("alice@acme.dev", "payments/nothing-here", 404, "no such workspace"),
    ],
)
async def test_the_authorisation_matrix(model: RepoModel, user: str, workspace: str, status: int, reason: str) -> None:
    async with serving(model) as harness:
        assert await _status(harness, workspace=workspace, user=user) == status
        (decision,) = harness.audit("decision")
        assert decision["detail"] == reason and decision["user"] == user
        assert decision["decision"] == ("allowed" if status == 101 else "refused")


async def test_no_identity_is_refused_before_the_upgrade(model: RepoModel) -> None:
    async with serving(model) as harness:
        assert await _status(harness) == 401
        assert harness.audit("session_start") == []
        metrics = await (await harness.client.get(f"{harness.base}/metrics")).text()
        assert 'portal_terminal_refused_total{reason="unauthenticated"} 1.0' in metrics


async def test_an_identity_header_from_an_untrusted_peer_is_ignored(model: RepoModel) -> None:
    async with serving(model, trusted=("10.0.0.0/8",), secret="s" * 20) as harness:
        assert await _status(harness, user="alice@acme.dev") == 401
        (decision,) = harness.audit("decision")
        assert decision["reason"] == "unauthenticated" and "user" not in decision
        assert decision["detail"] == "no identity (an identity header from an untrusted peer is ignored)"


async def test_a_trusted_proxy_with_a_shared_secret_must_send_it(model: RepoModel) -> None:
    secret = "proxy-secret-0123456789"
    async with serving(model, secret=secret) as harness:
        assert await _status(harness, user="alice@acme.dev") == 401
        wrong = {"X-Portal-Proxy-Secret": "guess"}
        assert await _status(harness, user="alice@acme.dev", headers=wrong) == 401
        right = {"X-Portal-Proxy-Secret": secret}
        assert await _status(harness, user="alice@acme.dev", headers=right) == 101
        details = [line["detail"] for line in harness.audit("decision")]
        assert details[:2] == ["no identity (the proxy's shared secret is missing or wrong)"] * 2
        assert secret not in harness.audit_stream.getvalue()


async def test_a_token_opens_its_workspace_once_and_never_is_echoed(model: RepoModel) -> None:
    token = issue(KEY_BYTES, "bob@acme.dev", OLGA_NOTES, 60)
    async with serving(model, trusted=()) as harness:
        socket = await harness.connect(workspace=OLGA_NOTES, token=token)
        assert socket.protocol == "portal.terminal.v1"
        await socket.send_str(json.dumps({"type": "data", "data": "echo $PORTAL_USER''\n"}))
        await read_until(socket, "bob@acme.dev")
        await socket.close()
        assert await _status(harness, workspace=OLGA_NOTES, token=token) == 401  # replayed
        refused = harness.audit("decision")[-1]
        assert refused["detail"] == "token already used" and refused["user"] == "bob@acme.dev"
        assert token not in harness.audit_stream.getvalue()


@pytest.mark.parametrize(
    ("make", "detail"),
    [
        (lambda: issue(KEY_BYTES, "bob@acme.dev", OLGA_NOTES, 60, now=time.time() - 120), "expired token"),
        (lambda: issue(b"x" * 32, "bob@acme.dev", OLGA_NOTES, 60), "bad token signature"),
        (lambda: _tampered(issue(KEY_BYTES, "eve@evil.test", OLGA_NOTES, 60)), "bad token signature"),
        (lambda: issue(KEY_BYTES, "bob@acme.dev", ALICE_LEDGER, 60), "token for another workspace"),
        (lambda: "not-a-token", "malformed token"),
    ],
)
async def test_bad_tokens_are_refused(model: RepoModel, make, detail: str) -> None:  # type: ignore[no-untyped-def]
    async with serving(model, trusted=()) as harness:
        token = make()
        assert await _status(harness, workspace=OLGA_NOTES, token=token) == 401
        (decision,) = harness.audit("decision")
        assert decision["detail"] == detail
        assert token not in harness.audit_stream.getvalue()


def _tampered(token: str) -> str:
    """The token with its payload's user replaced by bob, keeping eve's signature."""
    import base64

    payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["u"] = "bob@acme.dev"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{forged}.{signature}"


async def test_a_token_of_a_viewer_is_spent_and_still_forbidden(model: RepoModel) -> None:
    async with serving(model, trusted=()) as harness:
        token = issue(KEY_BYTES, "vic@acme.dev", OLGA_NOTES, 60)
        assert await _status(harness, workspace=OLGA_NOTES, token=token) == 403


@pytest.mark.parametrize("origin", [None, "https://evil.test", "http://portal.example.test", "null"])
async def test_a_missing_or_foreign_origin_is_refused(model: RepoModel, origin: str | None) -> None:
    async with serving(model) as harness:
        assert await _status(harness, user="alice@acme.dev", origin=origin) == 403
        assert harness.audit("decision")[0]["reason"] == "origin"
        assert harness.audit("session_start") == []


async def test_plain_http_to_the_terminal_route_is_refused(model: RepoModel) -> None:
    async with serving(model) as harness:
        response = await harness.client.get(harness.url(), headers={"Origin": ORIGIN, "X-Forwarded-Email": "a@b"})
        assert response.status == 400


async def test_session_caps_per_user_and_in_all(model: RepoModel) -> None:
    async with serving(model, limits=Limits(sessions_per_user=1, sessions_total=2)) as harness:
        first = await harness.connect(user="alice@acme.dev")
        assert await _status(harness, user="alice@acme.dev") == 429
        second = await harness.connect(user="bob@acme.dev")
        assert await _status(harness, workspace=OLGA_NOTES, user="olga@acme.dev") == 503
        await first.close()
        for _ in range(100):
            if harness.sidecar.caps.total < 2:
                break
            await asyncio.sleep(0.05)
        assert await _status(harness, user="alice@acme.dev") == 101
        await second.close()


async def test_healthz_names_the_served_commit(model: RepoModel) -> None:
    async with serving(model, commit_id="abc123") as harness:
        response = await harness.client.get(f"{harness.base}/healthz")
        assert response.status == 200 and (await response.json())["commit"] == "abc123"


async def test_a_client_not_offering_the_protocol_is_refused_and_its_token_never_logged(
    model: RepoModel, caplog: pytest.LogCaptureFixture
) -> None:
    token = issue(KEY_BYTES, "bob@acme.dev", OLGA_NOTES, 60)
    async with serving(model, trusted=()) as harness:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await harness.client.ws_connect(harness.url(OLGA_NOTES), protocols=[f"bearer.{token}"], origin=ORIGIN)
        assert refused.value.status == 400
        assert harness.audit("decision")[0]["reason"] == "protocol"
        # the token was not spent: offered properly, it still opens the terminal once
        socket = await harness.connect(workspace=OLGA_NOTES, token=token)
        await socket.close()
    assert token not in caplog.text and token not in harness.audit_stream.getvalue()
