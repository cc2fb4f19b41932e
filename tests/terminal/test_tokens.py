"""Tokens from the command line, and spent ids shared through PostgreSQL between replicas."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.terminal.spent import DatabaseSpent
from sitegen.terminal.tokens import KEY_FILE_VARIABLE, KEY_VARIABLE, issue, verify
from tests.conftest import PortalRun

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
        ({KEY_VARIABLE: KEY}, ("--ttl", "2d"), "--ttl"),
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
