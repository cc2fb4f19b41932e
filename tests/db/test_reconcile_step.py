"""The database step of `portal reconcile`: the commit synced, the run and each cluster's outcome recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reconciler.build import build
from reconciler.db.record import record_reconcile
from reconciler.kube.cluster_reconcile import ClusterReport
from reconciler.kube.health import ObjectHealth
from reconciler.kube.objects import ObjectKey
from reconciler.kube.outcome import Outcome
from reconciler.load.sources import git_commit
from reconciler.settings import DatabaseSettings
from reconciler.state_dir import StateDir
from reconciler.validate import validate_source
from tests.db.conftest import TemplateRepo

Query = Callable[..., list[tuple]]


def key(name: str) -> ObjectKey:
    return ObjectKey("apps/v1", "Deployment", "observability", name)


def test_record_reconcile_syncs_and_records_each_cluster(
    template_repo: TemplateRepo, database_url: str, query: Query, tmp_path: Path
) -> None:
    validation = validate_source(git_commit(str(template_repo.path), "HEAD", tmp_path), state_dir=tmp_path)
    reports = [
        ClusterReport(
            "prd-eu-1",
            "ok",
            outcomes=(Outcome(key("a"), "created"), Outcome(key("b"), "drift corrected"), Outcome(key("c"), "pruned")),
            health=(ObjectHealth(key("a"), "ready"),),
        ),
        ClusterReport("dev-eu-1", "unreachable", error="cannot connect: refused"),
    ]
    assert record_reconcile(DatabaseSettings(database_url), StateDir(tmp_path), build(validation), reports) is None

    assert query("SELECT commit_sha FROM sync_state") == [(template_repo.head,)]
    assert query("SELECT status, commit_sha, errors FROM reconcile_runs") == [
        ("failed", template_repo.head, ["dev-eu-1: cannot connect: refused"])
    ]
    statuses = {
        r[0]: r[1:]
        for r in query(
            "SELECT cluster, last_commit, result, objects_applied, objects_pruned, objects_drifted, health"
            " FROM cluster_status"
        )
    }
    assert statuses == {
        "prd-eu-1": (template_repo.head, "applied", 2, 1, 1, "healthy"),
        "dev-eu-1": (None, "failed", 0, 0, 0, "unknown"),
    }


def test_an_unreachable_database_is_reported_not_raised(template_repo: TemplateRepo, tmp_path: Path) -> None:
    validation = validate_source(git_commit(str(template_repo.path), "HEAD", tmp_path), state_dir=tmp_path)
    unreachable = DatabaseSettings(f"host={tmp_path} dbname=x user=postgres")
    problem = record_reconcile(unreachable, StateDir(tmp_path), build(validation), [])
    assert problem is not None and "cannot connect" in problem
