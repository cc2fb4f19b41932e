"""Which server a command talks to, and connecting to it with errors a user can act on.

`--database-url` or `PORTAL_DATABASE_URL` names a server; with neither, the embedded server in the state dir is
started (or reused). Every connection is migrated before use: commands that touch the database migrate first.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg

from reconciler.db import DATABASE_URL_VARIABLE
from reconciler.db.errors import DatabaseUnavailable
from reconciler.db.migrations import migrate
from reconciler.db.server import EmbeddedServer
from reconciler.passwords import without_passwords

CONNECT_TIMEOUT_SECONDS = 10


def configured_url(url: str | None) -> str | None:
    """The server a user named: the argument first, then the environment."""
    return url or os.environ.get(DATABASE_URL_VARIABLE) or None


def database_conninfo(url: str | None, state_dir: Path) -> str:
    """The named server, or the embedded one (started if needed, and said which on stderr: two state dirs are
    two servers)."""
    named = configured_url(url)
    if named:
        return named
    server = EmbeddedServer.in_state_dir(state_dir)
    was_running = server.is_running()
    # A running server is only connected to: ensure_running would ask again whether it runs.
    conninfo = server.conninfo() if was_running else server.ensure_running()
    print(f"embedded PostgreSQL in {server.root} ({'running' if was_running else 'started'})", file=sys.stderr)
    return conninfo


def _describe(conninfo: str) -> str:
    """Where a conninfo points, without its password."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "the database URL"
    host = params.get("host") or "localhost"
    port = f":{params['port']}" if params.get("port") else ""
    return f"{host}{port}/{params.get('dbname') or params.get('user') or ''}"


def connect(conninfo: str) -> psycopg.Connection:
    try:
        return psycopg.connect(conninfo, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg.ProgrammingError as exc:  # a malformed URL, which libpq's message quotes
        reason = without_passwords(" ".join(str(exc).split()), conninfo)
        raise DatabaseUnavailable(f"invalid database URL: {reason}") from None
    except psycopg.OperationalError as exc:
        reason = " ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__
        reason = without_passwords(reason, conninfo)
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL at {_describe(conninfo)}: {reason}") from None


def open_database(url: str | None, state_dir: Path) -> psycopg.Connection:
    """A migrated connection to the configured (or embedded) database."""
    conn = connect(database_conninfo(url, state_dir))
    try:
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn
