"""Fixtures of the database tests: real servers (tests/pg.py), the starter repo as real git commits, and the
write counters of `pg_stat_user_tables`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import psycopg
import pytest

from tests.conftest import REPO_ROOT
from tests.foundation.repos import HEADER
from tests.gitrepo import commit
from tests.pg import database_url, embedded_pg, pg_server, server_tmp_path  # noqa: F401  (fixtures)

TEMPLATE_ROOT = REPO_ROOT / "repo-template"
WAIT_SECONDS = 10
LENIENT_PATH = "artifacts/subnets.yaml"
# An inline policy asking less than the Policies give it (autoApprovePatches, one approver, self-approval).
LENIENT = (
    HEADER
    + """\
kind: Artifact
metadata:
  name: subnets
spec:
  type: terraform-module
  namespace: networking
  provider: aws
  team: platform
  storage:
    git: {repositoryUrl: https://github.com/acme/terraform-aws-subnets}
  approvalPolicy: {autoApprovePatches: true, minApprovers: 1, preventSelfApproval: false}
  versions:
    - version: 1.0.0
      publishedBy: victor@acme.dev
      publishedAt: 2026-11-01T10:00:00Z
"""
)


def template_files() -> dict[str, str]:
    return {
        str(path.relative_to(TEMPLATE_ROOT)): path.read_text(encoding="utf-8")
        for path in sorted(TEMPLATE_ROOT.rglob("*"))
        if path.is_file()
    }


def edited(files: Mapping[str, str], path: str, old: str, new: str) -> dict[str, str]:
    """`files` with one exact replacement in `path` (which must contain `old` once)."""
    assert files[path].count(old) == 1, f"{old!r} is not in {path} exactly once"
    return {**files, path: files[path].replace(old, new)}


def without(files: Mapping[str, str], *paths: str) -> dict[str, str]:
    return {k: v for k, v in files.items() if k not in paths}


# The starter's only artifact of the networking namespace, and the Policy bound to that namespace: a binding to a
# namespace without artifacts is an error, so the policy goes with the artifact.
VPC_FILES = ("artifacts/vpc/artifact.yaml", "artifacts/vpc/README.md", "policies/production-modules.yaml")


def without_vpc(files: Mapping[str, str], *paths: str) -> dict[str, str]:
    return without(files, *VPC_FILES, *paths)


class TemplateRepo:
    """The starter repo as a git repository; each `commit` replaces the whole tree."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.files = template_files()
        self.head = commit(path, self.files, "starter repo")

    def commit(self, files: Mapping[str, str], message: str = "change", author: str | None = None) -> str:
        self.files = dict(files)
        self.head = commit(self.path, self.files, message, author)
        return self.head


@pytest.fixture
def template_repo(tmp_path: Path) -> TemplateRepo:
    return TemplateRepo(tmp_path / "platform")


def table_writes(conninfo: str) -> dict[str, int]:
    """Rows inserted + updated + deleted so far, per table, once every other session has flushed its counters.

    A backend flushes its statistics when it exits, before it leaves pg_stat_activity; so wait until this
    database has no other sessions, then drop the cached snapshot and read.
    """
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for _ in range(WAIT_SECONDS * 50):
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
            if row and row[0] == 0:
                break
            conn.execute("SELECT pg_sleep(0.02)")
        conn.execute("SELECT pg_stat_clear_snapshot()")
        rows = conn.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables").fetchall()
    return {name: int(count) for name, count in rows}


def writes_between(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    return {t: after.get(t, 0) - before.get(t, 0) for t in after if after.get(t, 0) != before.get(t, 0)}


@pytest.fixture
def query(database_url: str) -> Callable[..., list[tuple]]:  # noqa: F811
    def run(sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(database_url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    return run
