"""Fetching over HTTP(S) with a token: sent only when the server asks, refused without it, never shown."""

from __future__ import annotations

import time
from pathlib import Path

import pygit2
import pytest

from reconciler.daemon.source import BranchSource, GitCredentials
from reconciler.load.sources import SourceError
from reconciler.state_dir import StateDir
from tests.daemon.githttp import git_http_server
from tests.gitrepo import commit

TOKEN = "ghp_token-for-tests"


def _source(tmp_path: Path, base_url: str, token: str | None) -> BranchSource:
    branch = pygit2.Repository(str(tmp_path / "served" / "platform")).head.shorthand
    return BranchSource(
        f"{base_url}/platform/.git", branch, StateDir(tmp_path / f"state-{token}"), GitCredentials(token=token)
    )


def test_a_token_fetches_and_its_absence_or_a_wrong_one_is_refused(tmp_path: Path) -> None:
    head = commit(tmp_path / "served" / "platform", {"teams/a.yaml": "kind: Team\n"})
    with git_http_server(tmp_path / "served", TOKEN) as base_url:
        assert _source(tmp_path, base_url, TOKEN).fetch() == head
        with pytest.raises(SourceError, match="asks for credentials and none are configured"):
            _source(tmp_path, base_url, None).fetch()
        started = time.monotonic()
        with pytest.raises(SourceError, match="refused the configured credentials") as refused:
            _source(tmp_path, base_url, "wrong-token").fetch()
        assert time.monotonic() - started < 10  # asked once, not again and again
        assert "wrong-token" not in str(refused.value)
