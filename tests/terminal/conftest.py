"""Fixtures of the terminal tests: the platform repo as a git commit, its model, real PostgreSQL servers and
emulated clusters."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.model.kinds import RepoModel
from tests.kube_emulator.fixtures import kube_emulators  # noqa: F401  (fixture)
from tests.pg import database_url, embedded_pg, pg_server, server_tmp_path  # noqa: F401  (fixtures)
from tests.terminal.builders import committed_platform, load_model


@pytest.fixture
def platform_repo(tmp_path: Path) -> Path:
    return committed_platform(tmp_path / "repo")


@pytest.fixture
def model(platform_repo: Path, tmp_path: Path) -> RepoModel:
    return load_model(platform_repo, tmp_path / "state")[0]
