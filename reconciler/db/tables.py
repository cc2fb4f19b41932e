"""The synced tables: their columns, how a removed row goes away, and the rows the sync writes into them.

A row's id is a UUID made from its table and natural key, so the same team, artifact or version keeps the same
id across commits and the sync can compute every row (foreign keys included) without reading ids back.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ROW_ID_NAMESPACE = uuid.UUID("5b0c7a52-54a4-4f2e-9a4c-7e3b8e0f9a11")


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    entity: str  # what the audit log calls one row: "artifact", "version", ...
    columns: tuple[str, ...]  # synced columns, besides id and row_hash
    jsonb: frozenset[str] = frozenset()
    # (column, table) of the parent row: a child is removed only while its parent is still declared, so the
    # versions of an archived artifact stay, while a version dropped from a live artifact goes.
    parent: tuple[str, str] | None = None
    retired_status: str | None = None  # removal sets `status` to this instead of deleting the row
    archived_flag: str | None = None  # removal sets this boolean column instead of deleting the row (history)
    tracked: tuple[str, ...] = ()  # columns whose old values name the action of an update (approved, yanked)
    created_action: str = "created"
    exclusive_flag: str | None = None  # at most one row per parent has it set: updates clear it before setting it
    # How a stored row is named in the audit log when it is removed (it is no longer declared, so only the
    # database knows it).
    label_sql: str = "name"
    team_sql: str = "NULL"

    def index(self, column: str) -> int:
        return self.columns.index(column)


TEAMS = Table("teams", "team", ("name", "display_name", "description"), team_sql="name")
TEAM_MEMBERS = Table(
    "team_members",
    "team_member",
    ("team_id", "member_type", "member", "role"),
    parent=("team_id", "teams"),
    label_sql="member",
)
CLUSTERS = Table(
    "clusters",
    "cluster",
    ("name", "role", "team", "labels", "connection", "tenant_cluster_ref", "drift", "workspaces"),
    jsonb=frozenset({"labels", "connection", "tenant_cluster_ref", "workspaces"}),
)
WORKSPACE_TEMPLATES = Table(
    "workspace_templates",
    "workspace_template",
    ("name", "display_name", "description", "category", "scope", "team", "template"),
    jsonb=frozenset({"template"}),
)
WORKSPACES = Table(
    "workspaces",
    "workspace",
    ("team", "name", "owner", "cluster", "template", "spec"),
    jsonb=frozenset({"spec"}),
    label_sql="team || '/' || name",
    team_sql="team",
)
POLICY_TEMPLATES = Table(
    "policy_templates",
    "policy",
    ("name", "description", "enforcement_level", "rules", "team"),
    jsonb=frozenset({"rules"}),
)
POLICY_BINDINGS = Table(
    "policy_bindings",
    "policy_binding",
    ("policy_template_id", "scope_type", "scope_value"),
    parent=("policy_template_id", "policy_templates"),
    label_sql="scope_type || '/' || coalesce(scope_value, '*')",
)
ARTIFACTS = Table(
    "artifacts",
    "artifact",
    (
        "document_name",
        "namespace",
        "name",
        "provider",
        "type",
        "description",
        "readme",
        "team",
        "tags",
        "category",
        "status",
        "storage_config",
        "source_config",
        "approval_policy",
        "effective_policy",
    ),
    jsonb=frozenset({"tags", "storage_config", "source_config", "approval_policy", "effective_policy"}),
    retired_status="archived",
    tracked=("status",),
    label_sql="namespace || '/' || name || coalesce('/' || provider, '')",
    team_sql="team",
)
ARTIFACT_VERSIONS = Table(
    "artifact_versions",
    "version",
    (
        "artifact_id",
        "version",
        "version_major",
        "version_minor",
        "version_patch",
        "version_pre",
        "version_sort",
        "approval_status",
        "is_latest",
        "is_bad",
        "yank_reason",
        "yanked_by",
        "yanked_at",
        "approved_by",
        "approved_at",
        "approvals_required",
        "rejected_by",
        "rejected_at",
        "rejection_reason",
        "changelog",
        "digest",
        "size_bytes",
        "published_by",
        "published_at",
        "storage_ref",
        "examples",
        "dependencies",
        "terraform_metadata",
        "helm_metadata",
        "opa_metadata",
        "archived",
    ),
    jsonb=frozenset({"storage_ref", "examples", "dependencies", "terraform_metadata", "helm_metadata", "opa_metadata"}),
    parent=("artifact_id", "artifacts"),
    archived_flag="archived",
    tracked=("approval_status", "is_bad", "archived"),
    created_action="published",
    exclusive_flag="is_latest",
    label_sql="version",
)
VERSION_APPROVALS = Table(
    "version_approvals",
    "approval",
    ("version_id", "actor", "comment", "approved_at", "archived"),
    parent=("version_id", "artifact_versions"),
    archived_flag="archived",
    tracked=("archived",),
    label_sql="actor",
)
PIPELINES = Table(
    "pipelines",
    "pipeline",
    ("name", "description", "team", "status", "env", "targets", "created_by"),
    jsonb=frozenset({"env", "targets"}),
    retired_status="archived",
    tracked=("status",),
    team_sql="team",
)
PIPELINE_VERSIONS = Table(
    "pipeline_versions",
    "pipeline_version",
    (
        "pipeline_id",
        "version",
        "dag",
        "document",
        "vector_config",
        "config_hash",
        "metadata",
        "change_summary",
        "created_by",
        "commit_sha",
    ),
    jsonb=frozenset({"dag", "document", "metadata"}),
)
PIPELINE_DEPLOYMENTS = Table(
    "pipeline_deployments",
    "deployment",
    ("pipeline_id", "pipeline_version_id", "target_type", "target_id", "role", "status"),
    retired_status="superseded",
    tracked=("status",),
    label_sql="target_id || '/' || role",
)

# Parents before children: inserts and updates go in this order, deletions in the reverse one.
SYNCED_TABLES: tuple[Table, ...] = (
    TEAMS,
    TEAM_MEMBERS,
    CLUSTERS,
    WORKSPACE_TEMPLATES,
    WORKSPACES,
    POLICY_TEMPLATES,
    POLICY_BINDINGS,
    ARTIFACTS,
    ARTIFACT_VERSIONS,
    VERSION_APPROVALS,
    PIPELINES,
    PIPELINE_VERSIONS,
    PIPELINE_DEPLOYMENTS,
)
# Versions of a pipeline are history: appended when the compiled config changes, never updated or removed.
APPEND_ONLY: frozenset[str] = frozenset({PIPELINE_VERSIONS.name})


def row_id(table: Table, *key: object) -> uuid.UUID:
    return uuid.uuid5(ROW_ID_NAMESPACE, "\x1f".join([table.name, *(str(k) for k in key)]))


def content_hash(values: object) -> str:
    """A hash of plain data (mappings in the order the documents write them: the YAML decides, not us)."""
    return hashlib.blake2b(repr(values).encode("utf-8"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Row:
    """One row the commit declares."""

    id: uuid.UUID
    values: tuple[Any, ...]  # in the table's column order; jsonb columns hold plain data
    name: str  # how the audit log names it, e.g. networking/vpc/aws@1.2.0
    team: str | None
    actors: Mapping[str, str] = field(default_factory=dict)  # action → who Git says did it (approver, yanker)
    hash: str = ""


def make_row(
    table: Table,
    key: tuple[object, ...],
    values: Mapping[str, Any],
    *,
    name: str,
    team: str | None,
    actors: Mapping[str, str] | None = None,
) -> Row:
    ordered = tuple([values[column] for column in table.columns])
    return Row(row_id(table, *key), ordered, name, team, dict(actors or {}), content_hash(ordered))
