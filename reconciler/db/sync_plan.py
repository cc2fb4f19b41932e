"""What a sync must write: the difference between the rows a commit declares and what the database holds.

Pure: `plan` takes both states as values and returns the changes and one audit entry per change. Rows are
compared by hash; a removed artifact or pipeline is archived (its versions stay), a version or approval dropped
from its parent is archived too (history is never deleted), a removed deployment is superseded, anything else
removed is deleted. A pipeline gets a new version only when its compiled config
hash differs from its newest stored version.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.db import tables as t
from reconciler.db.rows import CompiledPipeline, DesiredRows
from reconciler.db.tables import APPEND_ONLY, SYNCED_TABLES, Row, Table, make_row


@dataclass(frozen=True, slots=True)
class StoredRow:
    hash: str | None  # None once retired: declaring the row again always rewrites it
    parent: uuid.UUID | None
    tracked: tuple[Any, ...]  # the table's tracked columns, in order
    label: str = ""
    team: str | None = None


@dataclass(frozen=True, slots=True)
class StoredPipelineVersion:
    id: uuid.UUID
    version: int
    config_hash: str


@dataclass(frozen=True, slots=True)
class StoredState:
    rows: Mapping[str, Mapping[uuid.UUID, StoredRow]]  # table name → id → row
    newest_pipeline_versions: Mapping[uuid.UUID, StoredPipelineVersion]  # pipeline id → its newest version


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    action: str  # "<entity>.<what happened>", e.g. version.approved, artifact.archived
    entity_type: str
    entity_id: uuid.UUID
    entity_name: str
    team: str | None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TableChanges:
    table: Table
    inserts: tuple[Row, ...] = ()
    updates: tuple[Row, ...] = ()  # in the order they must run
    retirements: tuple[uuid.UUID, ...] = ()
    deletions: tuple[uuid.UUID, ...] = ()

    @property
    def count(self) -> int:
        return len(self.inserts) + len(self.updates) + len(self.retirements) + len(self.deletions)


@dataclass(frozen=True, slots=True)
class Plan:
    changes: tuple[TableChanges, ...]  # parents before children
    audit: tuple[AuditEntry, ...]

    @property
    def is_empty(self) -> bool:
        return not self.audit

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            c.table.name: {
                k: v
                for k, v in (
                    ("inserted", len(c.inserts)),
                    ("updated", len(c.updates)),
                    ("retired", len(c.retirements)),
                    ("deleted", len(c.deletions)),
                )
                if v
            }
            for c in self.changes
            if c.count
        }


def pipeline_version_rows(
    pipelines: tuple[CompiledPipeline, ...],
    stored: Mapping[uuid.UUID, StoredPipelineVersion],
    author: str | None,
    commit: str | None,
) -> tuple[list[Row], dict[str, uuid.UUID]]:
    """New versions for pipelines whose compiled config changed, and every pipeline's current version id."""
    new_rows: list[Row] = []
    current: dict[str, uuid.UUID] = {}
    for pipeline in pipelines:
        newest = stored.get(pipeline.pipeline_id)
        if newest is not None and newest.config_hash == pipeline.config_hash:
            current[pipeline.name] = newest.id
            continue
        number = (newest.version if newest else 0) + 1
        row = make_row(
            t.PIPELINE_VERSIONS,
            (pipeline.name, number),
            {
                "pipeline_id": pipeline.pipeline_id,
                "version": number,
                "dag": pipeline.dag,
                "document": pipeline.document,
                "vector_config": pipeline.vector_config,
                "config_hash": pipeline.config_hash,
                "metadata": {"previousConfigHash": newest.config_hash} if newest else {},
                "change_summary": "compiled config changed" if newest else "first version",
                "created_by": author,
                "commit_sha": commit,
            },
            name=f"{pipeline.name} v{number}",
            team=pipeline.team,
        )
        new_rows.append(row)
        current[pipeline.name] = row.id
    return new_rows, current


def deployment_rows(pipelines: tuple[CompiledPipeline, ...], version_ids: Mapping[str, uuid.UUID]) -> list[Row]:
    return [
        make_row(
            t.PIPELINE_DEPLOYMENTS,
            (pipeline.name, "cluster", place.cluster, place.role),
            {
                "pipeline_id": pipeline.pipeline_id,
                "pipeline_version_id": version_ids[pipeline.name],
                "target_type": "cluster",
                "target_id": place.cluster,
                "role": place.role,
                "status": "active",
            },
            name=f"{pipeline.name} → {place.cluster}/{place.role}",
            team=pipeline.team,
        )
        for pipeline in pipelines
        for place in pipeline.placements
    ]


def _update_action(table: Table, before: tuple[Any, ...], row: Row) -> tuple[str, str | None]:
    """What an update means (approved, yanked, deprecated, restored, ...), and whom Git names as doing it."""
    old = dict(zip(table.tracked, before, strict=True))
    new = {column: row.values[table.index(column)] for column in table.tracked}
    status_changed = "approval_status" in new and old.get("approval_status") != new["approval_status"]
    if status_changed and new["approval_status"] in ("approved", "rejected"):
        return new["approval_status"], row.actors.get(new["approval_status"])
    if new.get("is_bad") and not old.get("is_bad"):
        return "yanked", row.actors.get("yanked")
    if old.get("archived") and not new.get("archived"):
        return "restored", None
    if "status" in new and old.get("status") != new["status"]:
        if old.get("status") == table.retired_status:
            return "restored", None
        if new["status"] == "deprecated":
            return "deprecated", None
    return "updated", row.actors.get("updated")


def _tracked_details(table: Table, before: tuple[Any, ...], row: Row) -> dict[str, Any]:
    changed = {
        column: {"from": old, "to": row.values[table.index(column)]}
        for column, old in zip(table.tracked, before, strict=True)
        if old != row.values[table.index(column)]
    }
    return {"changed": changed} if changed else {}


def diff_table(
    table: Table,
    desired: tuple[Row, ...] | list[Row],
    stored: Mapping[uuid.UUID, StoredRow],
    declared_parents: frozenset[uuid.UUID] | None,
    author: str,
) -> tuple[TableChanges, list[AuditEntry]]:
    audit: list[AuditEntry] = []
    inserts: list[Row] = []
    updates: list[Row] = []
    for row in desired:
        before = stored.get(row.id)
        if before is None:
            inserts.append(row)
            actor = row.actors.get("created") or author
            audit.append(
                AuditEntry(actor, f"{table.entity}.{table.created_action}", table.entity, row.id, row.name, row.team)
            )
        elif before.hash != row.hash:
            updates.append(row)
            what, actor = _update_action(table, before.tracked, row)
            details = _tracked_details(table, before.tracked, row)
            audit.append(
                AuditEntry(actor or author, f"{table.entity}.{what}", table.entity, row.id, row.name, row.team, details)
            )
    if table.exclusive_flag is not None:
        flag = table.index(table.exclusive_flag)
        updates.sort(key=lambda r: bool(r.values[flag]))  # clear the flag everywhere before setting it anywhere

    declared = {row.id for row in desired}
    retirements: list[uuid.UUID] = []
    deletions: list[uuid.UUID] = []
    for row_id_, before in stored.items():
        if row_id_ in declared:
            continue
        if table.retired_status is not None:
            status = before.tracked[table.tracked.index("status")]
            if status != table.retired_status:
                retirements.append(row_id_)
                audit.append(
                    AuditEntry(
                        author,
                        f"{table.entity}.{table.retired_status}",
                        table.entity,
                        row_id_,
                        before.label,
                        before.team,
                    )
                )
        elif table.archived_flag is not None:
            # History: archived when dropped from a parent that stays; a retired parent keeps it as it was.
            archived = before.tracked[table.tracked.index(table.archived_flag)]
            if not archived and (declared_parents is None or before.parent in declared_parents):
                retirements.append(row_id_)
                audit.append(
                    AuditEntry(author, f"{table.entity}.archived", table.entity, row_id_, before.label, before.team)
                )
        elif declared_parents is None or before.parent in declared_parents:
            deletions.append(row_id_)
            audit.append(
                AuditEntry(author, f"{table.entity}.deleted", table.entity, row_id_, before.label, before.team)
            )
    changes = TableChanges(table, tuple(inserts), tuple(updates), tuple(sorted(retirements)), tuple(sorted(deletions)))
    return changes, audit


def plan(
    desired: DesiredRows,
    stored: StoredState,
    author: str,
    commit: str | None,
    changed_tables: frozenset[str] | None = None,
) -> Plan:
    """The changes that make `stored` hold `desired`. Tables not in `changed_tables` (None: every table) are
    known to hold their declared rows already (their digest matches the marker): they are neither compared nor
    written."""

    def changed(table: Table) -> bool:
        return changed_tables is None or table.name in changed_tables

    new_versions: list[Row] = []
    declared = dict(desired.rows)
    if changed(t.PIPELINE_DEPLOYMENTS) or changed(t.PIPELINE_VERSIONS):
        new_versions, version_ids = pipeline_version_rows(
            desired.pipelines, stored.newest_pipeline_versions, author, commit
        )
        declared[t.PIPELINE_DEPLOYMENTS.name] = tuple(deployment_rows(desired.pipelines, version_ids))
    declared_ids = {name: frozenset(r.id for r in rows) for name, rows in declared.items() if rows}
    deleted_ids: dict[str, frozenset[uuid.UUID]] = {}

    changes: list[TableChanges] = []
    audit: list[AuditEntry] = []
    for table in SYNCED_TABLES:
        if not changed(table):
            continue
        if table.name in APPEND_ONLY:
            changes.append(TableChanges(table, inserts=tuple(new_versions)))
            audit.extend(
                AuditEntry(
                    author,
                    f"{table.entity}.created",
                    table.entity,
                    r.id,
                    r.name,
                    r.team,
                    {"config_hash": r.values[table.index("config_hash")]},
                )
                for r in new_versions
            )
            continue
        # A child goes with a parent that stays (it was dropped from it) or with one that is deleted (each
        # deletion gets its own audit row, rather than vanishing by cascade); a retired parent keeps it.
        parents = None
        if table.parent:
            parent_table = table.parent[1]
            parents = declared_ids.get(parent_table, frozenset()) | deleted_ids.get(parent_table, frozenset())
        table_changes, table_audit = diff_table(
            table, declared.get(table.name, ()), stored.rows.get(table.name, {}), parents, author
        )
        deleted_ids[table.name] = frozenset(table_changes.deletions)
        changes.append(table_changes)
        audit.extend(table_audit)
    return Plan(tuple(changes), tuple(audit))
