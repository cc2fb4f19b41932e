"""`portal plan` (exit 0/1/2, JSON), the exported manifests without a cluster, --wait, kubeconfig Secrets."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

import reconciler.db.record
from tests.apply.conftest import WORKSPACES, Platform
from tests.conftest import REPO_ROOT, run_portal_in_process
from tests.kube_emulator.kubeconfig import kubeconfig_document


def test_plan_exits_1_with_changes_then_0_without(platform: Platform) -> None:
    platform.reset_counters()
    before = platform.plan()
    assert before.code == 1, before.out + before.err
    assert "mgmt: 7 to create, 0 to update, 0 drifted, 0 to prune, 0 unchanged" in before.out
    assert "  + Workspace/team-platform/alice-ledger" in before.out
    assert platform.writes() == 0
    assert platform.reconcile().code == 0
    after = platform.plan()
    assert after.code == 0, after.out
    assert "mgmt: no changes (7 unchanged)" in after.out


def test_plan_shows_field_level_updates_and_prunes_as_json(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    platform.edit("workspaces/omar-oncall.yaml", "storageSize: 10Gi", "storageSize: 20Gi")
    platform.remove("pipelines/error-routing.yaml")
    run = platform.plan("--format", "json")
    assert run.code == 1
    clusters = {c["cluster"]: c for c in json.loads(run.out)["clusters"]}
    (change,) = clusters["mgmt"]["plan"]["changes"]
    assert change["action"] == "update" and change["object"] == "Workspace/team-platform/omar-oncall"
    assert change["fields"] == [{"path": "spec.storageSize", "live": "10Gi", "desired": "20Gi"}]
    pruned = {p["object"] for p in clusters["dev-eu-1"]["plan"]["prune"]}
    assert "DaemonSet/vector/vector-agent" in pruned
    assert clusters["prd-eu-1"]["plan"]["hasChanges"] is False


def test_plan_exits_2_when_a_cluster_cannot_be_reached(platform: Platform) -> None:
    platform.make_unreachable("dev-eu-1")
    run = platform.plan()
    assert run.code == 2
    assert "dev-eu-1: unreachable" in run.out


def test_invalid_documents_apply_nothing(platform: Platform) -> None:
    platform.edit("workspaces/omar-oncall.yaml", "owner: omar@acme.dev", "owner: mallory@acme.dev")
    platform.reset_counters()
    run = platform.reconcile()
    assert run.code == 1 and "nothing applied" in run.err
    assert "is not a member of Team" in run.out
    assert platform.cluster["mgmt"].requests.total == 0
    assert platform.plan().code == 2


def test_unknown_cluster_names_and_bad_instance_ids_are_usage_errors(platform: Platform) -> None:
    run = platform.reconcile("--cluster", "nope")
    assert run.code == 2 and "no Cluster named nope" in run.err
    bad = platform.reconcile("--instance", "not ok!")
    assert bad.code == 2 and "--instance 'not ok!'" in bad.err


def test_only_the_named_clusters_are_reconciled(platform: Platform) -> None:
    platform.reset_counters()
    assert platform.reconcile("--cluster", "dev-eu-1").code == 0
    assert platform.cluster["mgmt"].requests.total == 0 and platform.writes("dev-eu-1") > 0


def _without_a_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("PORTAL_STATE_DIR", raising=False)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


def _workspaces_in(export: Path) -> int:
    manifests = export / "clusters/mgmt/manifests.yaml"
    return [d["kind"] for d in yaml.safe_load_all(manifests.read_text())].count("Workspace")


def test_without_a_cluster_export_asked_for_is_a_success(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _without_a_cluster(tmp_path, monkeypatch)
    run = run_portal_in_process("reconcile", REPO_ROOT / "repo-template", "--no-db", "--export", tmp_path / "out")
    assert run.code == 0, run.err
    assert "no kubeconfig" in run.err and f"written to {tmp_path / 'out'}/" in run.err
    assert _workspaces_in(tmp_path / "out") == 5


def test_without_a_cluster_and_without_export_the_manifests_go_to_the_state_dir_and_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI job that lost its KUBECONFIG must not pass: the same message, exit 1."""
    _without_a_cluster(tmp_path, monkeypatch)
    run = run_portal_in_process("reconcile", REPO_ROOT / "repo-template", "--no-db")
    assert run.code == 1
    (state,) = (tmp_path / "home/.local/state/portal").iterdir()
    assert state.name.startswith("repo-template-")
    assert "portal: error: no kubeconfig" in run.err and f"written to {state / 'export'}/" in run.err
    assert _workspaces_in(state / "export") == 5
    assert not (tmp_path / ".portal").exists()  # never the current directory


def _set_workspace_status(platform: Platform, name: str, phase: str, ready: str) -> None:
    status = {"phase": phase, "conditions": [{"type": "Ready", "status": ready, "reason": "Test", "message": phase}]}
    code, body = platform.request(
        "mgmt", "PATCH", f"{WORKSPACES}/{name}/status", {"status": status}, "application/merge-patch+json"
    )
    assert code == 200, body


def test_wait_reports_what_does_not_become_ready(platform: Platform) -> None:
    platform.remove("pipelines")
    assert platform.reconcile().code == 0
    for name in ("alice-ledger", "bob-payments-api", "dana-notebooks", "omar-oncall"):
        _set_workspace_status(platform, name, "Running", "True")
    waited = platform.reconcile("--wait", "--timeout", "1.5")
    assert waited.code == 1
    assert "not ready Workspace/team-platform/priya-platform-tools: phase Pending" in waited.out
    _set_workspace_status(platform, "priya-platform-tools", "Running", "True")
    assert platform.reconcile("--wait", "--timeout", "5").code == 0
    _set_workspace_status(platform, "omar-oncall", "Failed", "False")
    failed = platform.reconcile("--wait", "--timeout", "5")
    assert failed.code == 1 and "unhealthy Workspace/team-platform/omar-oncall" in failed.out


def test_a_cluster_reached_through_its_kubeconfig_secret(platform: Platform) -> None:
    secret_kubeconfig = kubeconfig_document({"dev-eu-1": platform.cluster["dev-eu-1"].url})
    encoded = base64.b64encode(yaml.safe_dump(secret_kubeconfig).encode()).decode()
    code, _ = platform.request(
        "mgmt",
        "POST",
        "/api/v1/namespaces/team-platform/secrets",
        {"metadata": {"name": "dev-eu-1-admin-kubeconfig"}, "data": {"value": encoded}},
    )
    assert code == 201
    platform.edit(
        "clusters/dev-eu-1.yaml",
        "    context: dev-eu-1",
        "    kubeconfigSecretRef: {namespace: team-platform, name: dev-eu-1-admin-kubeconfig, key: value}",
    )
    run = platform.reconcile()
    assert run.code == 0, run.out + run.err
    assert platform.get("dev-eu-1", "/apis/apps/v1/namespaces/vector/daemonsets/vector-agent")
    assert encoded not in run.out + run.err

    platform.edit("clusters/dev-eu-1.yaml", "name: dev-eu-1-admin-kubeconfig", "name: missing-kubeconfig")
    missing = platform.reconcile()
    assert missing.code == 1
    assert (
        "dev-eu-1: cannot connect: Secret team-platform/missing-kubeconfig on the management cluster does not exist"
        in missing.out
    )


def test_a_missing_kubeconfig_is_a_usage_error(platform: Platform) -> None:
    run = run_portal_in_process("reconcile", platform.repo, "--kubeconfig", platform.repo / "nope", "--no-db")
    assert run.code == 2 and "no such file" in run.err


def test_a_context_missing_from_the_kubeconfig_is_reported_per_cluster(platform: Platform) -> None:
    platform.edit("clusters/dev-eu-1.yaml", "context: dev-eu-1", "context: elsewhere")
    run = platform.reconcile()
    assert run.code == 1
    assert "dev-eu-1: cannot connect: kubeconfig" in run.out and "has no context 'elsewhere'" in run.out
    assert "mgmt: 7 created" in run.out


def test_the_database_step_runs_unless_no_db(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded: list[list[str]] = []

    def record(database: object, state_dir: object, built: object, reports: list) -> None:
        recorded.append([r.cluster for r in reports])

    monkeypatch.setattr(reconciler.db.record, "record_reconcile", record)
    run = run_portal_in_process("reconcile", platform.repo, "--kubeconfig", platform.kubeconfig)
    assert run.code == 0, run.err
    assert recorded == [["mgmt", "dev-eu-1", "prd-eu-1"]]
    assert platform.reconcile().code == 0 and len(recorded) == 1  # --no-db
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(platform.repo.parent))
    monkeypatch.chdir(platform.repo.parent)
    exported = run_portal_in_process("reconcile", platform.repo, "--export", platform.repo.parent / "out")
    assert exported.code == 0 and recorded[-1] == []  # no cluster to apply to, the metadata still syncs


def test_reconcile_records_in_the_database_named_by_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_a_cluster(tmp_path, monkeypatch)
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    url = f"postgresql://portal:hunter2@/portal?host={tmp_path / 'nowhere'}"
    run = run_portal_in_process(
        "reconcile", REPO_ROOT / "repo-template", "--export", tmp_path / "out", "--database-url", url
    )
    assert run.code == 0, run.err  # applied nothing, exported as asked; the database problem is reported
    assert "results were not recorded in PostgreSQL: cannot connect to PostgreSQL at" in run.err
    assert str(tmp_path / "nowhere") in run.err and "hunter2" not in run.err
    assert "embedded PostgreSQL" not in run.err  # the named server, not the state dir's


def test_dry_run_without_a_cluster_is_a_usage_error_as_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _without_a_cluster(tmp_path, monkeypatch)
    for argv in (("reconcile", "--dry-run", "--no-db"), ("plan",)):
        run = run_portal_in_process(*argv, REPO_ROOT / "repo-template")
        assert run.code == 2 and "no cluster to compare with" in run.err, argv
    assert not list((tmp_path / "home").rglob("export"))  # a dry run exports nothing
