"""Tokens from the command line, and spent ids shared through PostgreSQL between replicas."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import aiohttp
import psycopg
import pytest
from psycopg import sql

from reconciler.model.kinds import RepoModel
from sitegen.terminal.spent import DatabaseSpent, SpentStoreUnavailable
from sitegen.terminal.tokens import KEY_FILE_VARIABLE, KEY_VARIABLE, TokenClaims, issue, verify
from tests.conftest import PortalRun
from tests.terminal.builders import KEY_BYTES, serving

KEY = "0123456789abcdef0123456789abcdef"


def test_token_prints_a_token_the_key_verifies(
    portal: Callable[..., PortalRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    run = portal("terminal", "token", "--user", "bob@acme.dev", "--workspace", "payments/olga-notes", "--ttl", "90s")
    assert run.code == 0, run.err
    claims = verify(KEY.encode(), run.out.strip())
    assert (claims.user, claims.workspace) == ("bob@acme.dev", "payments/olga-notes")
    assert KEY not in run.out


def test_the_key_may_come_from_a_file(
    portal: Callable[..., PortalRun], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "key").write_text(KEY + "\n")
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(tmp_path / "key"))
    run = portal("terminal", "token", "--user", "bob@acme.dev", "--workspace", "payments/olga-notes")
    assert run.code == 0 and verify(KEY.encode(), run.out.strip()).user == "bob@acme.dev"


@pytest.mark.parametrize(
    ("environment", "args", "message"),
    [
        ({}, (), "no token signing key: set $PORTAL_TERMINAL_TOKEN_KEY"),
        ({KEY_VARIABLE: "short"}, (), "shorter than 32 bytes"),
        ({KEY_FILE_VARIABLE: "/nonexistent/key"}, (), "cannot read /nonexistent/key"),
        ({KEY_VARIABLE: KEY}, ("--ttl", "0"), "--ttl '0': a token lives more than 0 s"),
        ({KEY_VARIABLE: KEY}, ("--ttl", "2d"), "--ttl '2d': expected a duration such as 90s, 5m or 1h"),
        ({KEY_VARIABLE: KEY}, ("--ttl", "25h"), "at most 24 h"),
        ({KEY_VARIABLE: KEY}, ("--workspace", "payments"), "expected TEAM/NAME"),
        ({KEY_VARIABLE: KEY}, ("--user", "bob"), "expected an email"),
    ],
)
def test_token_bad_input(
    portal: Callable[..., PortalRun],
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    args: tuple[str, ...],
    message: str,
) -> None:
    for name in (KEY_VARIABLE, KEY_FILE_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    defaults = {"--user": "bob@acme.dev", "--workspace": "payments/olga-notes"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    argv = [item for pair in {**defaults, **given}.items() for item in pair]
    run = portal("terminal", "token", *argv)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err
    assert run.out == ""
    if environment.get(KEY_VARIABLE) == "short":
        assert "short" not in run.err.replace("shorter", "")


def test_replicas_sharing_a_database_refuse_a_token_another_one_accepted(database_url: str) -> None:
    first, second = DatabaseSpent(database_url), DatabaseSpent(database_url)
    try:
        claims = verify(KEY.encode(), issue(KEY.encode(), "bob@acme.dev", "payments/olga-notes", 60))
        assert first.spend(claims) is True
        assert second.spend(claims) is False
        assert first.spend(claims) is False
        fresh = verify(KEY.encode(), issue(KEY.encode(), "bob@acme.dev", "payments/olga-notes", 60))
        assert second.spend(fresh) is True
    finally:
        first.close()
        second.close()


def _terminate_others(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )


def test_the_database_store_reconnects_and_fails_closed(database_url: str) -> None:
    store = DatabaseSpent(database_url)
    try:
        _terminate_others(database_url)  # a server restart, as the store's connection sees it
        claims = verify(KEY.encode(), issue(KEY.encode(), "bob@acme.dev", "payments/olga-notes", 60))
        assert store.spend(claims) is True
        _terminate_others(database_url)
        name = psycopg.conninfo.conninfo_to_dict(database_url)["dbname"]
        maintenance = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
        fresh = verify(KEY.encode(), issue(KEY.encode(), "bob@acme.dev", "payments/olga-notes", 60))
        with pytest.raises(SpentStoreUnavailable):
            store.spend(fresh)
    finally:
        store.close()


async def test_an_unavailable_token_store_refuses_with_503(model: RepoModel) -> None:
    class Unavailable:
        def spend(self, claims: TokenClaims) -> bool:
            raise SpentStoreUnavailable("the token store (PostgreSQL) is unavailable")

    async with serving(model, trusted=(), spent=Unavailable()) as harness:
        token = issue(KEY_BYTES, "bob@acme.dev", "payments/olga-notes", 60)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await harness.connect(workspace="payments/olga-notes", token=token)
        assert refused.value.status == 503
        assert harness.audit("decision")[0]["reason"] == "token store"
