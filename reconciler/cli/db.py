"""`portal db migrate|status|sync|stop`: the PostgreSQL metadata store.

The server is `--database-url`, else `PORTAL_DATABASE_URL`, else the embedded one in `<state-dir>/pg` (started
on first use, kept running for later commands, stopped by `portal db stop`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from reconciler.build import build
from reconciler.cli import COMMANDS
from reconciler.cli.options import (
    UsageError,
    add_database_argument,
    add_source_arguments,
    add_state_dir_argument,
    source_settings,
    state_dir,
)
from reconciler.cli.source import load_repository
from reconciler.db.connection import (
    DATABASE_URL_VARIABLE,
    configured_url,
    connect,
    database_conninfo,
    open_database,
)
from reconciler.db.errors import DatabaseUnavailable, SchemaTooNew
from reconciler.db.migrations import latest_version, migrate, schema_status
from reconciler.db.server import EmbeddedServer
from reconciler.db.sync import (
    SyncResult,
    read_recorded_registry,
    record_failed_sync,
    sync_commit,
    synced_marker,
)
from reconciler.db.tables import SYNCED_TABLES

# Tests interrupt a sync here: the sync creates this file inside its transaction, just before the marker, and
# waits until the file is removed.
PAUSE_VARIABLE = "PORTAL_DB_SYNC_PAUSE"
PAUSE_LIMIT_SECONDS = 120
REPORTED_TABLES = (*(t.name for t in SYNCED_TABLES), "audit_logs", "sync_runs")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "db",
        help=COMMANDS["db"],
        description=(
            "The PostgreSQL tables Keeper and Herald read, kept in step with a commit. The server is "
            f"--database-url, else ${DATABASE_URL_VARIABLE}, else a private embedded server in <state-dir>/pg. "
            "Exit status: 0 done, 1 the commit has errors (nothing synced), 2 usage or database error."
        ),
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)

    def action(name: str, help_text: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(func=run)
        return sub

    def with_state_dir(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "path", nargs="?", metavar="PATH", help="the repository whose state dir holds the server (default: .)"
        )
        add_state_dir_argument(sub)

    migrate_parser = action("migrate", "apply pending schema migrations", run_migrate)
    with_state_dir(migrate_parser)
    add_database_argument(migrate_parser)
    status_parser = action("status", "schema version, last synced commit and rows per table", run_status)
    with_state_dir(status_parser)
    add_database_argument(status_parser)
    sync_parser = action("sync", "sync a commit (or working tree) into the tables, in one transaction", run_sync)
    add_source_arguments(sync_parser)
    add_database_argument(sync_parser)
    stop_parser = action("stop", "stop the embedded server of the state dir", run_stop)
    with_state_dir(stop_parser)


@contextmanager
def database(args: argparse.Namespace) -> Iterator[psycopg.Connection]:
    """A migrated connection; an unreachable server or a too new schema is a usage error (exit 2)."""
    try:
        conn = open_database(args.database_url, state_dir(args).root)
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        raise UsageError(str(exc)) from None
    try:
        yield conn
    except psycopg.OperationalError as exc:
        raise UsageError(f"the database connection failed: {str(exc).strip()}") from None
    finally:
        conn.close()


def run_migrate(args: argparse.Namespace) -> int:
    try:
        with connect(database_conninfo(args.database_url, state_dir(args).root)) as conn:
            applied = migrate(conn)
            status = schema_status(conn)
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        raise UsageError(str(exc)) from None
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    print(f"schema at version {status.current_version} (this portal knows up to {latest_version()})")
    return 0


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    counts = {}
    for table in REPORTED_TABLES:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # names from our own table list
        counts[table] = int(row[0]) if row else 0
    conn.rollback()
    return counts


def run_status(args: argparse.Namespace) -> int:
    with database(args) as conn:
        status = schema_status(conn)
        marker = synced_marker(conn)
        print(f"schema version: {status.current_version} (pending: {len(status.pending)})")
        print(f"last synced commit: {marker[0] or '(a working tree)' if marker else '(never synced)'}")
        for table, count in table_counts(conn).items():
            print(f"{table:<22} {count:>8}")
    return 0


def pause_hook() -> Callable[[], None] | None:
    path = os.environ.get(PAUSE_VARIABLE)
    if not path:
        return None

    def pause() -> None:
        flag = Path(path)
        flag.touch()
        deadline = time.monotonic() + PAUSE_LIMIT_SECONDS
        while flag.exists() and time.monotonic() < deadline:
            time.sleep(0.02)

    return pause


def describe(result: SyncResult) -> list[str]:
    commit = result.commit or "the working tree"
    if result.status == "current":
        return [f"{commit} is already synced: nothing written"]
    if result.status == "unchanged":
        return [f"{commit} declares the same rows as the last synced commit: marker moved, nothing else written"]
    lines = [
        f"{table}: " + ", ".join(f"{count} {what}" for what, count in changes.items())
        for table, changes in result.counts.items()
    ]
    return [*lines, f"synced {commit}: {result.audit_rows} change(s), {result.round_trips} round trips"]


def run_sync(args: argparse.Namespace) -> int:
    source, state = source_settings(args), state_dir(args)
    with database(args) as conn:
        # Registry keys the database binds to a team are checked with the rest: refused before anything is written.
        validation = load_repository(source, state, recorded=read_recorded_registry(conn))
        if validation.errors:
            for diagnostic in validation.errors:
                print(diagnostic.format())
            record_failed_sync(conn, validation.source.commit, [d.format() for d in validation.errors])
            print(f"{len(validation.errors)} error(s): nothing synced", file=sys.stderr)
            return 1
        try:
            result = sync_commit(conn, build(validation), before_marker=pause_hook())
        except psycopg.Error as exc:
            if conn.closed or isinstance(exc, psycopg.OperationalError):
                raise UsageError(f"the sync failed: {str(exc).strip()}") from None
            conn.rollback()
            record_failed_sync(conn, validation.source.commit, [str(exc).strip()])
            raise UsageError(f"the sync failed and was rolled back: {str(exc).strip()}") from None
    for line in describe(result):
        print(line)
    return 0


def run_stop(args: argparse.Namespace) -> int:
    if configured_url(None):
        print(f"note: ${DATABASE_URL_VARIABLE} is set; stopping only the embedded server", file=sys.stderr)
    server = EmbeddedServer.in_state_dir(state_dir(args).root)
    stopped = server.stop()
    print(f"stopped the embedded server in {server.root}" if stopped else f"no embedded server runs in {server.root}")
    return 0
