"""With a database, the site shows the last reconcile per cluster and each pipeline's versions, dated."""

from __future__ import annotations

from pathlib import Path

import psycopg

from reconciler.db.status import ClusterOutcome, finish_reconcile_run, start_reconcile_run
from tests.site.builders import TEMPLATE, build_site
from tests.site.test_pages import content


def test_the_last_reconcile_per_cluster_and_pipeline_versions_are_shown(
    portal, tmp_path: Path, database_url: str
) -> None:
    assert portal("db", "sync", TEMPLATE, "--database-url", database_url).code == 0
    with psycopg.connect(database_url) as conn:
        run = start_reconcile_run(conn, "c0ffee1234567890")
        finish_reconcile_run(
            conn,
            run,
            succeeded=False,
            clusters=[
                ClusterOutcome("prd-eu-1", "applied", objects_applied=12, objects_drifted=2, health="healthy"),
                ClusterOutcome("dev-eu-1", "failed", health="degraded", message="connection refused"),
            ],
        )
    out = tmp_path / "out"
    built = build_site(TEMPLATE, out, "--database-url", database_url)
    assert built.code == 0, built.out + built.err
    home = content(out, "")
    assert "<td>applied</td><td><code>c0ffee123456</code></td>" in home
    assert "<td>failed</td>" in home
    assert "<td>never</td>" in home  # mgmt was never reconciled
    assert "Status as of 20" in home
    cluster = content(out, "cluster/dev-eu-1")
    assert "<dd>connection refused</dd>" in cluster and "<dd>degraded</dd>" in cluster
    pipeline = content(out, "pipeline/app-logs")
    assert "Version history" in pipeline and "<td>1</td>" in pipeline
    assert "No database was given" not in pipeline


def test_an_unreachable_database_is_a_usage_error_and_writes_nothing(portal, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = build_site(TEMPLATE, out, "--database-url", "postgresql://nobody:hunter2@127.0.0.1:1/none")
    assert run.code == 2
    assert "hunter2" not in run.out + run.err
    assert "Traceback" not in run.err
    assert not out.exists()
