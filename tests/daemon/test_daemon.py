"""The daemon end to end: a real git repository, the emulated clusters, real PostgreSQL."""

from __future__ import annotations

import json
import time
from pathlib import Path

import urllib3

from reconciler.daemon.backoff import ClusterBackoff
from tests.apply.conftest import WORKSPACES
from tests.daemon.conftest import RunningDaemon, assert_live_matches
from tests.db.conftest import TemplateRepo, edited, without, without_vpc
from tests.db.test_registry_history import TAKEN, TAKEOVER, TAKEOVER_PATH
from tests.kube_emulator.kubeconfig import write_kubeconfig

WORKSPACE = "workspaces/alice-ledger.yaml"
AGGREGATOR = "pipelines/observability-aggregator.yaml"
APP_LOGS = "pipelines/app-logs.yaml"
AGGREGATOR_OBJECTS = "/api/v1/namespaces/vector/configmaps/vector-aggregator"
VPC = "artifacts/vpc/artifact.yaml"


def test_commits_are_applied_pruned_and_an_invalid_one_refused(run_daemon, tmp_path: Path) -> None:
    running: RunningDaemon = run_daemon()
    running.wait_cycles(1)
    first = running.repo.head
    assert_live_matches(running.platform, running.repo.files, tmp_path)
    assert running.query("SELECT commit_sha, status, trigger FROM reconcile_runs") == [
        (first, "succeeded", "daemon:start")
    ]
    assert {row[0] for row in running.query("SELECT last_commit FROM cluster_status")} == {first}
    assert running.query("SELECT count(*) FROM teams")[0][0] == 3  # the commit's metadata was synced
    assert urllib3.request("GET", running.url("/readyz")).status == 200
    assert running.metric("portal_last_success_timestamp_seconds") > 0
    assert running.metric("portal_commit_applied_info", commit=first) == 1

    # Commit 2: a workspace edited, a pipeline deleted; a signed push applies and prunes.
    second = running.repo.commit(
        without(edited(running.repo.files, WORKSPACE, "alice@laptop", "alice@desktop"), AGGREGATOR)
    )
    assert running.github_push("delivery-2") == 202
    running.wait_cycles(2)
    workspace = running.platform.get("mgmt", f"{WORKSPACES}/alice-ledger")
    assert workspace is not None and "alice@desktop" in str(workspace["spec"])
    assert running.platform.get("prd-eu-1", AGGREGATOR_OBJECTS) is None
    assert_live_matches(running.platform, running.repo.files, tmp_path)
    assert running.metric("portal_objects_total", cluster="prd-eu-1", result="pruned") == 4
    assert running.query("SELECT commit_sha, status FROM reconcile_runs ORDER BY id DESC LIMIT 1") == [
        (second, "succeeded")
    ]

    # Commit 3 is invalid: nothing applied, the failure is in /metrics and in the database.
    applied = dict(running.repo.files)
    running.platform.reset_counters()
    third = running.repo.commit(edited(running.repo.files, WORKSPACE, "team: payments", "team: nobody"))
    assert running.github_push("delivery-3") == 202
    running.wait_cycles(3)
    assert running.platform.writes() == 0
    assert_live_matches(running.platform, applied, tmp_path)
    assert running.metric("portal_errors_total", cluster="", reason="invalid") == 1
    assert running.metric("portal_commit_applied_info", commit=second) == 1
    (commit_sha, status, errors), *_ = running.query(
        "SELECT commit_sha, status, errors FROM reconcile_runs ORDER BY id DESC LIMIT 1"
    )
    assert (commit_sha, status) == (third, "failed")
    assert any(e.startswith(f"{WORKSPACE}:") and "nobody" in e for e in errors), errors
    assert {row[0] for row in running.query("SELECT last_commit FROM cluster_status")} == {second}
    running.stop()


def test_the_site_of_each_applied_commit_is_built_with_the_database_status(run_daemon, tmp_path: Path) -> None:
    site = tmp_path / "site"
    running: RunningDaemon = run_daemon(site_out=site)
    running.wait_cycles(1)
    first = running.repo.head
    alice = site / "workspace/payments/alice-ledger/index.html"
    assert "alice@laptop" in alice.read_text()
    assert ">Open terminal</a>" in alice.read_text()  # the daemon's --terminal-url reached the site
    assert (site / "terminal/payments/alice-ledger/index.html").is_file()
    assert json.loads((site / "api/index.json").read_text())["counts"]["Workspace"] == 5
    cluster = (site / "cluster/prd-eu-1/index.html").read_text()
    assert first in cluster and "Status as of" in cluster  # the status the daemon just recorded

    second = running.repo.commit(edited(running.repo.files, WORKSPACE, "alice@laptop", "alice@desktop"))
    assert running.github_push("delivery-site") == 202
    running.wait_cycles(2)
    assert "alice@desktop" in alice.read_text() and "alice@laptop" not in alice.read_text()
    assert second in (site / "cluster/prd-eu-1/index.html").read_text()
    assert running.metric("portal_errors_total", cluster="", reason="site") == 0
    running.stop()


def test_a_direct_push_is_held_to_the_rules_of_a_pull_request(run_daemon) -> None:
    """An approved version's changelog may not change against the last applied commit (`validate --base`)."""
    running: RunningDaemon = run_daemon()
    running.wait_cycles(1)
    changed = running.repo.commit(
        edited(running.repo.files, VPC, "Adds IPv6 support (dual-stack", "Adds IPv6 and more (dual-stack")
    )
    assert running.github_push("rewrite") == 202
    running.wait_cycles(2)
    (status, errors), *_ = running.query("SELECT status, errors FROM reconcile_runs WHERE commit_sha = %s", (changed,))
    assert status == "failed"
    assert any("changelog cannot change" in e for e in errors), errors
    running.stop()


def test_drift_is_corrected_within_one_interval_without_a_new_commit(run_daemon) -> None:
    running: RunningDaemon = run_daemon(interval=0.5)
    running.wait_cycles(1)
    path = f"{WORKSPACES}/alice-ledger"
    running.platform.merge_patch("mgmt", path, {"spec": {"owner": "mallory@evil.example"}})
    drifted = running.daemon.cycles
    running.wait_cycles(drifted + 2)
    workspace = running.platform.get("mgmt", path)
    assert workspace is not None and workspace["spec"]["owner"] == "alice@acme.dev"
    assert running.metric("portal_objects_total", cluster="mgmt", result="drifted") >= 1
    running.stop()


def test_ready_only_after_a_successful_cycle(run_daemon, daemon_repo: TemplateRepo) -> None:
    daemon_repo.commit(edited(daemon_repo.files, WORKSPACE, "team: payments", "team: nobody"))
    running: RunningDaemon = run_daemon(interval=0.2)
    running.wait_cycles(3)  # the invalid commit judged, then found again unchanged
    assert running.platform.names("mgmt", "/apis/butler.butlerlabs.dev/v1alpha1/workspaces") == set()
    assert urllib3.request("GET", running.url("/healthz")).status == 200
    assert urllib3.request("GET", running.url("/readyz")).status == 503
    daemon_repo.commit(edited(daemon_repo.files, WORKSPACE, "team: nobody", "team: payments"))
    assert running.github_push("fix") == 202
    deadline = time.monotonic() + 30
    while urllib3.request("GET", running.url("/readyz")).status != 200:
        assert time.monotonic() < deadline, running.log.getvalue()
        time.sleep(0.05)
    running.stop()


def test_a_failing_cluster_is_retried_with_backoff_and_holds_up_no_other(run_daemon) -> None:
    running: RunningDaemon = run_daemon(interval=3600)
    running.daemon.cycle.backoff = ClusterBackoff(initial=0.3, ceiling=0.3)
    running.platform.make_unreachable("dev-eu-1")
    running.wait_cycles(1)
    assert running.platform.names("mgmt", "/apis/butler.butlerlabs.dev/v1alpha1/workspaces")  # the others went on
    assert running.platform.names("prd-eu-1", "/apis/apps/v1/daemonsets") == {"vector/vector-agent"}
    assert running.metric("portal_errors_total", cluster="dev-eu-1", reason="unreachable") >= 1
    (status, errors), *_ = running.query("SELECT status, errors FROM reconcile_runs")
    assert status == "failed" and any(e.startswith("dev-eu-1: unreachable") for e in errors), errors
    # Back: the retry (not the hour-long interval) brings it to the commit.
    write_kubeconfig(running.platform.kubeconfig, {n: e.url for n, e in running.platform.cluster.emulators.items()})
    deadline = time.monotonic() + 30
    # Applied, and the cycle that applied it over (no retry pending any more).
    while not running.platform.names("dev-eu-1", "/apis/apps/v1/daemonsets") or (
        running.daemon.cycle.backoff.next_retry_in() is not None
    ):
        assert time.monotonic() < deadline, running.log.getvalue()
        time.sleep(0.1)
    running.stop()


def test_a_cycle_that_breaks_is_logged_and_the_next_one_runs(run_daemon, monkeypatch) -> None:
    running: RunningDaemon = run_daemon()
    running.wait_cycles(1)
    source = running.daemon.cycle.source
    fetch = source.fetch
    calls: list[int] = []

    def broken_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return fetch()

    monkeypatch.setattr(source, "fetch", broken_once)
    assert running.github_push("one") == 202
    running.wait_cycles(2)
    assert running.github_push("two") == 202
    running.wait_cycles(3)
    assert running.metric("portal_errors_total", cluster="", reason="internal") == 1
    logged = [json.loads(line) for line in running.log.getvalue().splitlines()]
    assert any(e["message"] == "the cycle failed: RuntimeError: a bug" and "traceback" in e for e in logged)
    running.stop()


def test_after_a_restart_an_invalid_commit_leaves_the_clusters_kept_at_the_last_good_one(run_daemon) -> None:
    first: RunningDaemon = run_daemon()
    first.wait_cycles(1)
    first.stop()
    first.repo.commit(edited(first.repo.files, WORKSPACE, "team: payments", "team: nobody"))
    path = f"{WORKSPACES}/alice-ledger"
    first.platform.merge_patch("mgmt", path, {"spec": {"owner": "mallory@evil.example"}})
    second: RunningDaemon = run_daemon()
    second.wait_cycles(1)
    workspace = second.platform.get("mgmt", path)
    assert workspace is not None and workspace["spec"]["owner"] == "alice@acme.dev"  # drift corrected
    (status,), *_ = second.query("SELECT status FROM reconcile_runs WHERE commit_sha = %s", (second.repo.head,))
    assert status == "failed"
    second.stop()


def test_a_commit_whose_pipeline_test_fails_is_refused_unless_tests_are_skipped(run_daemon) -> None:
    first: RunningDaemon = run_daemon()
    first.wait_cycles(1)
    good = first.repo.head
    first.platform.reset_counters()
    failing = first.repo.commit(
        edited(
            first.repo.files,
            APP_LOGS,
            "fields: {level: error, msg: card declined",
            "fields: {level: fatal, msg: card declined",
        ),
        "a pipeline test that no longer passes",
    )
    assert first.github_push("failing-test") == 202
    first.wait_cycles(2)
    assert first.platform.writes() == 0
    (status, errors), *_ = first.query("SELECT status, errors FROM reconcile_runs WHERE commit_sha = %s", (failing,))
    assert status == "failed"
    assert any(e.startswith(f"{APP_LOGS}:") and "JSON lines are merged" in e for e in errors), errors
    assert {row[0] for row in first.query("SELECT last_commit FROM cluster_status")} == {good}
    first.stop()

    skipping: RunningDaemon = run_daemon(run_tests=False)
    skipping.wait_cycles(1)
    assert {row[0] for row in skipping.query("SELECT last_commit FROM cluster_status")} == {failing}
    skipping.stop()


def test_a_commit_taking_another_teams_recorded_key_is_refused_before_applying(run_daemon) -> None:
    """The database knows whose registry key it is even with no base to compare with."""
    running: RunningDaemon = run_daemon()
    running.wait_cycles(1)
    retired = running.repo.commit(without_vpc(running.repo.files), "retire the vpc module")
    assert running.github_push("retire") == 202
    running.wait_cycles(2)
    running.platform.reset_counters()
    taken = running.repo.commit({**running.repo.files, TAKEOVER_PATH: TAKEOVER}, "payments takes the vpc key")
    assert running.github_push("takeover") == 202
    running.wait_cycles(3)
    assert running.platform.writes() == 0
    (status, errors), *_ = running.query("SELECT status, errors FROM reconcile_runs WHERE commit_sha = %s", (taken,))
    assert status == "failed"
    assert errors == [f"{TAKEOVER_PATH}:7:3: error: Artifact/payments-vpc: {TAKEN}"]
    assert {row[0] for row in running.query("SELECT last_commit FROM cluster_status")} == {retired}  # not applied
    running.stop()
