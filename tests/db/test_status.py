"""Reconcile runs and per-cluster status, as `portal reconcile` records them."""

from __future__ import annotations

import psycopg

from reconciler.db.status import (
    ClusterOutcome,
    cluster_statuses,
    finish_reconcile_run,
    recent_reconcile_runs,
    start_reconcile_run,
)


def test_a_cluster_keeps_its_last_applied_commit_when_a_later_run_fails(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        first = start_reconcile_run(conn, "c1", trigger="daemon")
        finish_reconcile_run(
            conn,
            first,
            succeeded=True,
            clusters=[
                ClusterOutcome("prd-eu-1", "applied", objects_applied=12, objects_pruned=1, health="healthy"),
                ClusterOutcome("dev-eu-1", "applied", objects_applied=3, objects_drifted=2, health="progressing"),
            ],
            summary={"clusters": 2},
        )
        second = start_reconcile_run(conn, "c2")
        assert recent_reconcile_runs(conn)[0].status == "running"
        finish_reconcile_run(
            conn,
            second,
            succeeded=False,
            clusters=[ClusterOutcome("prd-eu-1", "failed", health="degraded", message="connection refused")],
            errors=["prd-eu-1: connection refused"],
        )
        statuses = {s.cluster: s for s in cluster_statuses(conn)}
        runs = recent_reconcile_runs(conn)

    assert statuses["prd-eu-1"].last_commit == "c1"
    assert statuses["prd-eu-1"].result == "failed"
    assert statuses["prd-eu-1"].message == "connection refused"
    assert statuses["prd-eu-1"].reconcile_run_id == second
    assert (statuses["dev-eu-1"].last_commit, statuses["dev-eu-1"].objects_drifted) == ("c1", 2)
    assert [(r.id, r.status, r.commit_sha) for r in runs] == [(second, "failed", "c2"), (first, "succeeded", "c1")]
    assert runs[0].errors == ["prd-eu-1: connection refused"]
    assert runs[1].trigger == "daemon" and runs[1].finished_at is not None
