"""What `portal reconcile` records for the site and the daemon: each run, and each cluster's last outcome.

A run is started (status `running`) before anything is applied and finished afterwards with every cluster's
outcome, in one transaction. A cluster's `last_commit` moves only when that commit was applied to it, so a
failed run still shows what the cluster runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from reconciler.db.fencing import Fence, claim_terms, terms_column
from reconciler.db.outcome import ClusterOutcome, ClusterResult, Health


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    cluster: str
    last_commit: str | None
    result: ClusterResult
    objects_applied: int
    objects_pruned: int
    objects_drifted: int
    health: Health
    message: str
    reconcile_run_id: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ReconcileRun:
    id: int
    commit_sha: str | None
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    summary: Mapping[str, Any]
    errors: Sequence[str]


def start_reconcile_run(
    conn: psycopg.Connection, commit: str | None, trigger: str = "manual", fences: Sequence[Fence] = ()
) -> int:
    """A run in progress; with `fences`, refused (StaleTerm) once a higher leader term has written."""
    with conn.transaction():
        claim_terms(conn, fences)
        row = conn.execute(
            "INSERT INTO reconcile_runs (commit_sha, trigger, status, terms) VALUES (%s, %s, 'running', %s)"
            " RETURNING id",
            (commit, trigger, terms_column(fences)),
        ).fetchone()
    assert row is not None
    return int(row[0])


def finish_reconcile_run(
    conn: psycopg.Connection,
    run_id: int,
    *,
    succeeded: bool,
    clusters: Sequence[ClusterOutcome] = (),
    summary: Mapping[str, Any] | None = None,
    errors: Sequence[str] = (),
    fences: Sequence[Fence] = (),
) -> None:
    with conn.transaction():
        claim_terms(conn, fences)
        row = conn.execute(
            "UPDATE reconcile_runs SET status = %s, finished_at = now(), summary = %s, errors = %s"
            " WHERE id = %s RETURNING commit_sha",
            ("succeeded" if succeeded else "failed", Jsonb(dict(summary or {})), Jsonb(list(errors)), run_id),
        ).fetchone()
        if row is None:
            raise ValueError(f"no reconcile run {run_id}")
        commit = row[0]
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO cluster_status (cluster, last_commit, result, objects_applied, objects_pruned,"
                " objects_drifted, health, message, reconcile_run_id, updated_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, now())"
                " ON CONFLICT (cluster) DO UPDATE SET"
                " last_commit = CASE WHEN EXCLUDED.result = 'applied' THEN EXCLUDED.last_commit"
                " ELSE cluster_status.last_commit END,"
                " result = EXCLUDED.result, objects_applied = EXCLUDED.objects_applied,"
                " objects_pruned = EXCLUDED.objects_pruned, objects_drifted = EXCLUDED.objects_drifted,"
                " health = EXCLUDED.health, message = EXCLUDED.message,"
                " reconcile_run_id = EXCLUDED.reconcile_run_id, updated_at = EXCLUDED.updated_at",
                [
                    (
                        o.cluster,
                        commit if o.result == "applied" else None,
                        o.result,
                        o.objects_applied,
                        o.objects_pruned,
                        o.objects_drifted,
                        o.health,
                        o.message,
                        run_id,
                    )
                    for o in clusters
                ],
            )


def cluster_statuses(conn: psycopg.Connection) -> list[ClusterStatus]:
    rows = conn.execute(
        "SELECT cluster, last_commit, result, objects_applied, objects_pruned, objects_drifted, health, message,"
        " reconcile_run_id, updated_at FROM cluster_status ORDER BY cluster"
    ).fetchall()
    conn.rollback()
    return [ClusterStatus(*r) for r in rows]


def recent_reconcile_runs(conn: psycopg.Connection, limit: int = 20) -> list[ReconcileRun]:
    rows = conn.execute(
        "SELECT id, commit_sha, trigger, status, started_at, finished_at, summary, errors"
        " FROM reconcile_runs ORDER BY id DESC LIMIT %s",
        (limit,),
    ).fetchall()
    conn.rollback()
    return [ReconcileRun(*r) for r in rows]
