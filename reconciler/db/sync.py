"""Sync one commit's metadata into PostgreSQL: the I/O around `rows` and `plan`.

The whole sync is one transaction under an advisory lock, so two syncs never interleave (the second waits, then
finds the digest current and writes nothing). The `sync_state` marker is written last: a sync killed at any
point leaves the tables and the marker at the previous commit, and the next sync converges.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from reconciler.build import Build
from reconciler.db.errors import InvalidCommit
from reconciler.db.fencing import Fence, claim_terms, terms_column
from reconciler.db.link import Link, adapted, stored_columns, upsert_statement
from reconciler.db.rows import DesiredRows, RowCache, SyncBase, desired_rows
from reconciler.db.sync_plan import AuditEntry, Plan, StoredPipelineVersion, StoredRow, StoredState, plan
from reconciler.db.tables import APPEND_ONLY, PIPELINE_VERSIONS, SYNCED_TABLES, Table
from reconciler.keeper.policy import PLATFORM_TEAM
from reconciler.keeper.registry import recorded_key_findings
from reconciler.load.cache import code_fingerprint
from reconciler.model.recorded import RecordedArtifact, RecordedRegistry
from reconciler.validate import Validation

SYNC_LOCK = 0x706F7274616C0002  # "portal" + 2: the advisory lock key of syncs
SYSTEM_ACTOR = "system:portal-sync"  # the actor of changes when the commit has no author (a working tree)

AUDIT_COLUMNS = (
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "entity_name",
    "team",
    "commit_sha",
    "details",
    "sync_run_id",
)

SyncStatus = Literal["synced", "unchanged", "current"]


@dataclass(frozen=True, slots=True)
class SyncResult:
    status: SyncStatus  # synced: rows written; unchanged: same rows, new commit; current: nothing written
    commit: str | None
    digest: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    audit_rows: int = 0
    round_trips: int = 0
    sync_run_id: int | None = None


def read_stored_state(link: Link, tables: frozenset[str] | None = None) -> StoredState:
    """What the database holds of `tables` (None: all of them)."""
    rows: dict[str, dict[uuid.UUID, StoredRow]] = {}
    for table in SYNCED_TABLES:
        if table.name in APPEND_ONLY or (tables is not None and table.name not in tables):
            continue
        parent = sql.Identifier(table.parent[0]) if table.parent else sql.SQL("NULL::uuid")
        tracked = [sql.Identifier(c) for c in table.tracked]
        query = sql.SQL("SELECT id, row_hash, {}, {}, {}{} FROM {}").format(
            parent,
            sql.SQL(table.label_sql),
            sql.SQL(table.team_sql),
            sql.SQL("").join(sql.SQL(", {}").format(c) for c in tracked),
            sql.Identifier(table.name),
        )
        rows[table.name] = {
            r[0]: StoredRow(hash=r[1], parent=r[2], tracked=tuple(r[5:]), label=r[3] or "", team=r[4])
            for r in link.fetch(query)
        }
    newest = {}
    if tables is None or PIPELINE_VERSIONS.name in tables:
        newest = {
            r[0]: StoredPipelineVersion(r[1], r[2], r[3])
            for r in link.fetch(
                "SELECT DISTINCT ON (pipeline_id) pipeline_id, id, version, config_hash"
                " FROM pipeline_versions ORDER BY pipeline_id, version DESC"
            )
        }
    return StoredState(rows, newest)


def _retire(link: Link, table: Table, ids: Sequence[object]) -> None:
    if ids and table.archived_flag is not None:
        # An archived version is no longer anyone's latest: the flag is cleared with it, before any is set.
        cleared = (
            sql.SQL(", {} = false").format(sql.Identifier(table.exclusive_flag))
            if table.exclusive_flag
            else sql.SQL("")
        )
        link.execute(
            sql.SQL("UPDATE {} SET {} = true{}, row_hash = NULL, updated_at = now() WHERE id = ANY(%s)").format(
                sql.Identifier(table.name), sql.Identifier(table.archived_flag), cleared
            ),
            (list(ids),),
        )
    elif ids:
        link.execute(
            sql.SQL("UPDATE {} SET status = %s, row_hash = NULL, updated_at = now() WHERE id = ANY(%s)").format(
                sql.Identifier(table.name)
            ),
            (table.retired_status, list(ids)),
        )


def _delete(link: Link, table: Table, ids: Sequence[object]) -> None:
    if ids:
        link.execute(sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(sql.Identifier(table.name)), (list(ids),))


def apply_plan(link: Link, changes: Plan, commit: str | None, sync_run_id: int) -> None:
    """Removals first (children before parents), so a version that loses `is_latest` by going away frees it;
    then per table, parents first: updates (flags cleared before set), then new rows by COPY."""
    for table_changes in reversed(changes.changes):
        _delete(link, table_changes.table, table_changes.deletions)
        _retire(link, table_changes.table, table_changes.retirements)
    for table_changes in changes.changes:
        table = table_changes.table
        link.execute_many(upsert_statement(table), [adapted(table, row) for row in table_changes.updates])
        if table_changes.inserts:
            link.copy_rows(table.name, stored_columns(table), (adapted(table, row) for row in table_changes.inserts))
    link.copy_rows("audit_logs", AUDIT_COLUMNS, (_audit_row(entry, commit, sync_run_id) for entry in changes.audit))


def _audit_row(entry: AuditEntry, commit: str | None, sync_run_id: int) -> tuple[object, ...]:
    return (
        entry.actor,
        entry.action,
        entry.entity_type,
        entry.entity_id,
        entry.entity_name,
        entry.team,
        commit,
        Jsonb(dict(entry.details)),
        sync_run_id,
    )


def _start_run(
    link: Link, commit: str | None, digest: str, status: str, started: datetime, counts: dict, fences: Sequence[Fence]
) -> int:
    row = link.fetch_one(
        "INSERT INTO sync_runs (commit_sha, digest, status, started_at, counts, terms)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
        (commit, digest, status, started, Jsonb(counts), terms_column(fences)),
    )
    assert row is not None
    return int(row[0])


def _write_marker(link: Link, commit: str | None, desired: DesiredRows, sync_run_id: int, inputs: str | None) -> None:
    link.execute(
        "INSERT INTO sync_state (id, commit_sha, digest, table_digests, sync_run_id, synced_at, input_digest)"
        " VALUES (true, %s, %s, %s, %s, now(), %s)"
        " ON CONFLICT (id) DO UPDATE SET commit_sha = EXCLUDED.commit_sha, digest = EXCLUDED.digest,"
        " table_digests = EXCLUDED.table_digests, sync_run_id = EXCLUDED.sync_run_id, synced_at = EXCLUDED.synced_at,"
        " input_digest = EXCLUDED.input_digest",
        (commit, desired.digest, Jsonb(dict(desired.table_digests)), sync_run_id, inputs),
    )


def sync_desired_rows(
    conn: psycopg.Connection,
    desired: DesiredRows,
    *,
    commit: str | None,
    author: str | None,
    before_marker: Callable[[], None] | None = None,
    inputs: str | None = None,
    fences: Sequence[Fence] = (),
) -> SyncResult:
    """Make the tables hold `desired` (the rows of `commit`), in one transaction.

    `before_marker` runs inside the transaction just before the marker is written (every other row already
    written): the moment a crash hurts most, which is where tests interrupt a sync. With `fences` (a daemon
    replica's leader terms) the sync is refused with StaleTerm, writing nothing, when a higher term has synced.
    """
    link = Link(conn)
    started = datetime.now(UTC)
    with conn.transaction():
        link.execute("SELECT pg_advisory_xact_lock(%s)", (SYNC_LOCK,))
        claim_terms(conn, fences)
        marker = link.fetch_one("SELECT commit_sha, digest, table_digests FROM sync_state")
        if marker is not None and marker[1] == desired.digest:
            if marker[0] == commit:
                return SyncResult("current", commit, desired.digest, round_trips=link.round_trips)
            run_id = _start_run(link, commit, desired.digest, "unchanged", started, {}, fences)
            _write_marker(link, commit, desired, run_id, inputs)
            return SyncResult("unchanged", commit, desired.digest, round_trips=link.round_trips, sync_run_id=run_id)
        synced_digests = marker[2] if marker is not None else {}
        changed_tables = frozenset(
            name for name, digest in desired.table_digests.items() if synced_digests.get(name) != digest
        )
        stored = read_stored_state(link, changed_tables)
        changes = plan(desired, stored, author or SYSTEM_ACTOR, commit, changed_tables)
        counts = changes.counts()
        run_id = _start_run(link, commit, desired.digest, "synced", started, counts, fences)
        apply_plan(link, changes, commit, run_id)
        if before_marker is not None:
            before_marker()
        _write_marker(link, commit, desired, run_id, inputs)
    return SyncResult(
        "synced", commit, desired.digest, counts, len(changes.audit), link.round_trips + 1, run_id
    )  # + 1: COMMIT


def record_failed_sync(conn: psycopg.Connection, commit: str | None, errors: Sequence[str]) -> None:
    """A sync that could not run (invalid commit, failed statement): remembered in `sync_runs` only."""
    started = datetime.now(UTC)
    with conn.transaction():
        conn.execute(
            "INSERT INTO sync_runs (commit_sha, status, started_at, errors) VALUES (%s, 'failed', %s, %s)",
            (commit, started, Jsonb(list(errors))),
        )


def read_recorded_registry(conn: psycopg.Connection) -> RecordedRegistry:
    """Every artifact the database holds (archived ones too), and each team's admins, by the last sync."""
    artifacts = conn.execute(
        "SELECT namespace, name, provider, document_name, team, status, approval_policy FROM artifacts"
    ).fetchall()
    admins: dict[str, set[str]] = {}
    for team, member in conn.execute(
        "SELECT t.name, m.member FROM team_members m JOIN teams t ON t.id = m.team_id"
        " WHERE m.role = 'admin' AND m.member_type = 'user'"
    ).fetchall():
        admins.setdefault(team, set()).add(member.lower())
    conn.rollback()
    return RecordedRegistry(
        {
            (namespace, name, provider): RecordedArtifact(document, team or PLATFORM_TEAM, status, policy or {})
            for namespace, name, provider, document, team, status, policy in artifacts
        },
        {team: frozenset(emails) for team, emails in admins.items()},
    )


def synced_marker(conn: psycopg.Connection) -> tuple[str | None, str] | None:
    """(commit, digest) the tables hold, or None before the first sync."""
    row = conn.execute("SELECT commit_sha, digest FROM sync_state").fetchone()
    conn.rollback()
    return (row[0], row[1]) if row else None


def sync_commit(
    conn: psycopg.Connection,
    built: Build,
    *,
    cache: RowCache | None = None,
    before_marker: Callable[[], None] | None = None,
    fences: Sequence[Fence] = (),
) -> SyncResult:
    """Sync a validated commit's build; one with errors is refused (nothing is synced from an invalid commit).

    A long-running caller passes the same `cache` every time, so only changed documents become rows again.
    A daemon replica passes its `fences`: see sync_desired_rows.
    """
    validation = built.validation
    if validation.errors:
        raise InvalidCommit(f"{len(validation.errors)} error(s) in {validation.source.description}: nothing synced")
    commit = validation.source.commit
    inputs = input_digest(validation)
    # Read without the lock: a marker is only ever written whole, at the end of a sync's transaction.
    marker = conn.execute("SELECT commit_sha, digest, input_digest FROM sync_state").fetchone()
    conn.rollback()
    if marker is not None and marker[0] == commit and marker[2] == inputs:
        return SyncResult("current", commit, marker[1], round_trips=2)
    recorded = read_recorded_registry(conn)
    taken = recorded_key_findings(validation.model, recorded)
    if taken:
        raise InvalidCommit("\n".join([*(d.format() for d in taken), f"{len(taken)} error(s): nothing synced"]))
    # The first sync has no base: the commit judges itself, as `validate` does without --base.
    base = SyncBase(recorded, validation.source.author) if marker is not None else None
    desired = desired_rows(built, cache, base)
    return sync_desired_rows(
        conn,
        desired,
        commit=commit,
        author=validation.source.author,
        before_marker=before_marker,
        inputs=inputs,
        fences=fences,
    )


def input_digest(validation: Validation) -> str:
    """Everything the rows of a commit are derived from: every document, the READMEs artifacts pull in, and the
    code and schemas that derive them. Equal digests at the same commit mean equal rows."""
    digest = hashlib.sha256(code_fingerprint().encode(), usedforsecurity=False)
    for doc in validation.documents:
        digest.update(f"{doc.path}\0{doc.index}\0{doc.blob_id}\n".encode())
    for name, artifact in sorted(validation.model.artifacts.items()):
        readme = artifact.doc.spec.get("readme")
        text = validation.source.read_text(readme) if isinstance(readme, str) else None
        digest.update(f"{name}\0{readme}\0{text}\n".encode())
    return digest.hexdigest()
