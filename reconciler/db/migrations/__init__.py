"""Versioned schema migrations: `NNNN_name.sql` files shipped in this package, applied in order.

Each migration runs in its own transaction and is recorded in `schema_migrations`; the whole run holds an
advisory lock, so two commands migrating at once apply each file exactly once. A database that holds a
migration this code does not know was migrated by a newer portal: it is refused, never "downgraded". So is one
whose recorded checksum differs from the file shipped here: the schema is not what this code was written for.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

import psycopg

from reconciler.db.errors import SchemaTooNew


class MigrationChanged(SchemaTooNew):
    """A migration was applied from a file other than the one this code ships: refused as a foreign schema is."""


MIGRATION_LOCK = 0x706F7274616C0001  # "portal" + 1: the advisory lock key of migrations
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AppliedMigration:
    version: int
    name: str
    applied_at: datetime
    checksum: str


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    applied: tuple[AppliedMigration, ...]
    pending: tuple[Migration, ...]
    unknown: tuple[int, ...]  # applied, but not shipped with this code: a newer portal migrated the database
    changed: tuple[Migration, ...] = ()  # applied from another text than the file shipped with this code

    @property
    def current_version(self) -> int:
        return max((m.version for m in self.applied), default=0)


def known_migrations() -> tuple[Migration, ...]:
    found = []
    for entry in resources.files(__package__).iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return tuple(sorted(found, key=lambda m: m.version))


def latest_version() -> int:
    return max((m.version for m in known_migrations()), default=0)


def _applied(conn: psycopg.Connection) -> tuple[AppliedMigration, ...]:
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return ()
    rows = conn.execute("SELECT version, name, applied_at, checksum FROM schema_migrations ORDER BY version").fetchall()
    return tuple(AppliedMigration(*r) for r in rows)


def schema_status(conn: psycopg.Connection) -> SchemaStatus:
    applied = _applied(conn)
    conn.rollback()  # reading must not leave a transaction open
    done = {m.version for m in applied}
    known = known_migrations()
    known_versions = {m.version for m in known}
    recorded = {m.version: m.checksum for m in applied}
    return SchemaStatus(
        applied=applied,
        pending=tuple(m for m in known if m.version not in done),
        unknown=tuple(sorted(done - known_versions)),
        changed=tuple(m for m in known if recorded.get(m.version, m.checksum) != m.checksum),
    )


def _refuse_foreign(status: SchemaStatus) -> None:
    if status.changed:
        files = ", ".join(f"{m.version:04d}_{m.name}.sql" for m in status.changed)
        raise MigrationChanged(
            f"migration file(s) {files} differ from what was applied to this database (their checksums do not "
            "match schema_migrations): the schema is not the one this portal expects; restore the file(s) as they "
            "were released, or migrate a new database"
        )
    if status.unknown:
        raise SchemaTooNew(
            f"the database schema is at version {status.current_version}, newer than this portal knows "
            f"(up to {latest_version()}): migration(s) {', '.join(map(str, status.unknown))} came from a newer "
            "portal; upgrade portal instead of using this one"
        )


def migrate(conn: psycopg.Connection) -> tuple[Migration, ...]:
    """Apply every pending migration; returns those applied (none when the schema is current)."""
    status = schema_status(conn)
    _refuse_foreign(status)
    if not status.pending:
        return ()
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    conn.commit()
    try:
        with conn.transaction():
            conn.execute(_CREATE_LEDGER)
        status = schema_status(conn)  # again under the lock: another command may have migrated meanwhile
        _refuse_foreign(status)
        for migration in status.pending:
            with conn.transaction():
                conn.execute(migration.sql.encode("utf-8"))  # several statements: sent as one simple query
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.checksum),
                )
        return status.pending
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        conn.commit()
