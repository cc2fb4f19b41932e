"""Reading the metadata store from a command: the named (else the embedded) database, where a database that
cannot be reached, has a newer schema or fails the read is a usage error (exit 2), never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from reconciler.cli.options import UsageError

if TYPE_CHECKING:
    import psycopg

    from reconciler.state_dir import StateDir


def read_database[T](url: str | None, state: StateDir, read: Callable[[psycopg.Connection], T]) -> T:
    import psycopg  # only a run with a database pays for it

    from reconciler.db.connection import open_database
    from reconciler.db.errors import DatabaseUnavailable, SchemaTooNew

    try:
        conn = open_database(url, state.root)
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        raise UsageError(str(exc)) from None
    try:
        return read(conn)
    except psycopg.Error as exc:
        raise UsageError(f"cannot read the database: {str(exc).strip()}") from None
    finally:
        conn.close()
