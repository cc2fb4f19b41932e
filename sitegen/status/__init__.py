"""What the metadata store says happened: the last reconcile per cluster and each pipeline's versions.

This is the one part of the site that changes without a commit; it is stamped with the time it was read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from reconciler.db.status import ClusterStatus, cluster_statuses

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True, slots=True)
class PipelineVersion:
    version: int
    commit: str | None
    at: str
    summary: str
    config_hash: str


@dataclass(frozen=True, slots=True)
class StatusSnapshot:
    taken_at: str
    clusters: Mapping[str, ClusterStatus] = field(default_factory=dict)
    pipeline_versions: Mapping[str, tuple[PipelineVersion, ...]] = field(default_factory=dict)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def read_status(conn: psycopg.Connection) -> StatusSnapshot:
    with conn.cursor() as cur:
        cur.execute("SELECT now()")
        row = cur.fetchone()
        taken_at = _iso(row[0] if row else None)
        cur.execute(
            "SELECT p.name, v.version, v.commit_sha, v.created_at, v.change_summary, v.config_hash "
            "FROM pipeline_versions v JOIN pipelines p ON p.id = v.pipeline_id ORDER BY p.name, v.version DESC"
        )
        versions: dict[str, list[PipelineVersion]] = {}
        for name, version, commit, at, summary, config_hash in cur.fetchall():
            versions.setdefault(name, []).append(PipelineVersion(version, commit, _iso(at), summary, config_hash))
    clusters = {status.cluster: status for status in cluster_statuses(conn)}
    return StatusSnapshot(taken_at, clusters, {k: tuple(v) for k, v in versions.items()})
