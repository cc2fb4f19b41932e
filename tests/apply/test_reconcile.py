"""`portal reconcile` against one emulated cluster per Cluster of the starter repo, over real HTTP."""

from __future__ import annotations

import json

from reconciler.kube.client import KubeClient
from reconciler.kube.cluster_plan import ClusterPlan, Prune
from reconciler.kube.discovery import Discovery
from reconciler.kube.objects import ObjectKey
from reconciler.kube.prune import prune
from tests.apply.conftest import WORKSPACES, Platform

VECTOR = "/api/v1/namespaces/vector"
AGGREGATOR_OBJECTS = {
    "/api/v1/namespaces/vector/serviceaccounts/vector-aggregator",
    "/api/v1/namespaces/vector/configmaps/vector-aggregator",
    "/api/v1/namespaces/vector/services/vector-aggregator-headless",
    "/apis/apps/v1/namespaces/vector/statefulsets/vector-aggregator",
}


def test_applies_the_starter_repo_then_a_second_run_writes_nothing(platform: Platform) -> None:
    first = platform.reconcile()
    assert first.code == 0, first.out + first.err
    assert "mgmt: 7 created" in first.out
    assert platform.names("mgmt", "/apis/butler.butlerlabs.dev/v1alpha1/workspaces") == {
        "team-platform/alice-ledger",
        "team-platform/bob-payments-api",
        "team-platform/dana-notebooks",
        "team-platform/omar-oncall",
        "team-platform/priya-platform-tools",
    }
    assert platform.get("prd-eu-1", "/apis/apps/v1/namespaces/vector/statefulsets/vector-aggregator")
    assert platform.get("dev-eu-1", "/apis/apps/v1/namespaces/vector/daemonsets/vector-agent")
    assert len(platform.inventory("mgmt")) == 7

    platform.reset_counters()
    second = platform.reconcile()
    assert second.code == 0, second.out + second.err
    assert platform.writes() == 0
    assert "mgmt: 7 unchanged" in second.out


def test_a_changed_workspace_is_exactly_one_patch(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    platform.edit("workspaces/omar-oncall.yaml", "idleTimeout: 1h", "idleTimeout: 3h")
    platform.reset_counters()
    run = platform.reconcile()
    assert run.code == 0, run.out
    assert platform.cluster["mgmt"].requests.count("PATCH") == 1
    assert platform.writes() == 1
    assert "spec.idleTimeout: 1h → 3h" in run.out
    assert platform.get("mgmt", f"{WORKSPACES}/omar-oncall")["spec"]["idleTimeout"] == "3h"


def test_a_removed_pipeline_is_pruned_and_nothing_else_is_touched(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    platform.remove("pipelines/observability-aggregator.yaml")
    without_prune = platform.reconcile()
    assert without_prune.code == 0
    assert "4 object(s) no longer desired (deleted with --prune)" in without_prune.out
    assert all(platform.get("prd-eu-1", path) for path in AGGREGATOR_OBJECTS)

    platform.reset_counters()
    run = platform.reconcile("--prune")
    assert run.code == 0, run.out
    assert not any(platform.get("prd-eu-1", path) for path in AGGREGATOR_OBJECTS)
    assert platform.get("prd-eu-1", "/apis/apps/v1/namespaces/vector/daemonsets/vector-agent")
    deletes = platform.cluster["prd-eu-1"].requests.count("DELETE")
    assert deletes == 4
    assert platform.writes("mgmt") == platform.writes("dev-eu-1") == 0
    assert len(platform.inventory("prd-eu-1")) == 6


def test_a_field_removed_from_a_document_is_gone_live(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    assert "dotfiles" in platform.get("mgmt", f"{WORKSPACES}/bob-payments-api")["spec"]
    platform.edit(
        "workspaces/bob-payments-api.yaml",
        "  dotfiles:\n    url: https://github.com/bob-acme/dotfiles\n    installCommand: ./install.sh --minimal\n",
        "",
    )
    assert platform.reconcile().code == 0
    assert "dotfiles" not in platform.get("mgmt", f"{WORKSPACES}/bob-payments-api")["spec"]


def _drift_image(platform: Platform) -> None:
    platform.merge_patch("mgmt", f"{WORKSPACES}/alice-ledger", {"spec": {"image": "golang:1.24"}})


def test_drift_is_corrected_in_correct_mode(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    _drift_image(platform)
    platform.reset_counters()
    run = platform.reconcile()
    assert run.code == 0
    assert "drift corrected Workspace/team-platform/alice-ledger" in run.out
    assert "spec.image: golang:1.24 → golang:1.23" in run.out
    assert platform.get("mgmt", f"{WORKSPACES}/alice-ledger")["spec"]["image"] == "golang:1.23"
    assert platform.writes() == 1
    platform.reset_counters()
    assert platform.reconcile().code == 0 and platform.writes() == 0


def test_drift_is_reported_in_warn_mode_with_nothing_written(platform: Platform) -> None:
    platform.edit("clusters/mgmt.yaml", "drift: correct", "drift: warn")
    assert platform.reconcile().code == 0
    _drift_image(platform)
    platform.reset_counters()
    run = platform.reconcile()
    assert run.code == 0
    assert "drift reported Workspace/team-platform/alice-ledger" in run.out
    assert "spec.image: golang:1.24 → golang:1.23" in run.out
    assert platform.cluster["mgmt"].requests.mutating_writes == 0  # only the dry-run that computed the diff
    assert platform.get("mgmt", f"{WORKSPACES}/alice-ledger")["spec"]["image"] == "golang:1.24"


def test_drift_is_ignored_in_ignore_mode_per_object(platform: Platform) -> None:
    platform.edit(
        "workspaces/alice-ledger.yaml",
        "  name: alice-ledger\n",
        "  name: alice-ledger\n  annotations:\n    portal.butlerlabs.dev/drift: ignore\n",
    )
    assert platform.reconcile().code == 0
    _drift_image(platform)
    platform.reset_counters()
    run = platform.reconcile()
    assert run.code == 0 and "alice-ledger" not in run.out
    assert platform.writes() == 0
    assert platform.get("mgmt", f"{WORKSPACES}/alice-ledger")["spec"]["image"] == "golang:1.24"


def test_a_same_named_object_we_never_created_survives_prune(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    path = "/api/v1/namespaces/vector/configmaps/vector-aggregator"
    platform.request("prd-eu-1", "DELETE", path)
    status, _ = platform.request(
        "prd-eu-1",
        "POST",
        "/api/v1/namespaces/vector/configmaps",
        {"metadata": {"name": "vector-aggregator"}, "data": {"owner": "someone else"}},
    )
    assert status == 201
    platform.remove("pipelines/observability-aggregator.yaml")
    run = platform.reconcile("--prune")
    assert run.code == 0, run.out
    assert platform.get("prd-eu-1", path)["data"] == {"owner": "someone else"}
    assert not platform.get("prd-eu-1", "/apis/apps/v1/namespaces/vector/statefulsets/vector-aggregator")
    assert not any("vector-aggregator" in line for line in platform.inventory("prd-eu-1"))


def test_mass_prune_and_namespaces_are_refused_without_the_flag(platform: Platform) -> None:
    extra = "".join(
        f"""---
apiVersion: portal.butlerlabs.dev/v1alpha1
kind: Workspace
metadata:
  name: extra-{i}
spec:
  team: platform
  owner: priya@acme.dev
  cluster: dev-eu-1
  resources: {{cpu: "1", memory: 1Gi}}
  sshPublicKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEZa16YJ6KfdEj6kfe37D1fiUsKA20hZoFNEoCaEBQ14 priya@macbook"]
"""
        for i in range(5)
    )
    platform.write("workspaces/extra.yaml", extra)
    assert platform.reconcile().code == 0
    assert len(platform.inventory("mgmt")) == 12
    platform.remove("workspaces")
    platform.remove("pipelines")
    refused = platform.reconcile("--prune")
    assert refused.code == 0, refused.out
    assert "mass prune refused: 10 of the 12 objects" in refused.out
    assert len(platform.names("mgmt", "/apis/butler.butlerlabs.dev/v1alpha1/workspaces")) == 10
    assert "Namespaces are never pruned without --allow-mass-prune" in refused.out
    assert platform.get("prd-eu-1", VECTOR) is not None
    assert platform.get("prd-eu-1", "/apis/apps/v1/namespaces/vector/daemonsets/vector-agent") is None

    allowed = platform.reconcile("--prune", "--allow-mass-prune")
    assert allowed.code == 0, allowed.out
    assert platform.names("mgmt", "/apis/butler.butlerlabs.dev/v1alpha1/workspaces") == set()
    assert len(platform.inventory("mgmt")) == 2  # the two templates


def test_an_unreachable_cluster_is_reported_and_the_others_reconcile(platform: Platform) -> None:
    platform.make_unreachable("prd-eu-1")
    run = platform.reconcile("--format", "json")
    assert run.code == 1
    report = {c["cluster"]: c for c in json.loads(run.out)["clusters"]}
    assert report["prd-eu-1"]["status"] == "unreachable"
    assert "unreachable" in report["prd-eu-1"]["error"]
    assert report["mgmt"]["status"] == report["dev-eu-1"]["status"] == "ok"
    assert len(platform.names("mgmt", "/apis/butler.butlerlabs.dev/v1alpha1/workspaces")) == 5


def test_a_conflict_with_another_manager_is_reported_in_warn_mode_and_forced_in_correct_mode(
    platform: Platform,
) -> None:
    platform.edit("clusters/mgmt.yaml", "drift: correct", "drift: warn")
    assert platform.reconcile().code == 0
    path = f"{WORKSPACES}/omar-oncall"
    # Another manager takes the field over with a forced apply of its own.
    status, body = platform.request(
        "mgmt",
        "PATCH",
        f"{path}?fieldManager=hotfix&force=true",
        {"apiVersion": "butler.butlerlabs.dev/v1alpha1", "kind": "Workspace", "spec": {"idleTimeout": "9h"}},
        "application/apply-patch+yaml",
    )
    assert status == 200, body
    platform.edit("workspaces/omar-oncall.yaml", "idleTimeout: 1h", "idleTimeout: 2h")
    platform.edit("workspaces/priya-platform-tools.yaml", "idleTimeout: 4h", "idleTimeout: 5h")
    run = platform.reconcile()
    assert run.code == 1
    assert "conflict Workspace/team-platform/omar-oncall" in run.out and "hotfix" in run.out
    assert platform.get("mgmt", path)["spec"]["idleTimeout"] == "9h"
    assert platform.get("mgmt", f"{WORKSPACES}/priya-platform-tools")["spec"]["idleTimeout"] == "5h"

    platform.edit("clusters/mgmt.yaml", "drift: warn", "drift: correct")
    assert platform.reconcile().code == 0
    assert platform.get("mgmt", path)["spec"]["idleTimeout"] == "2h"


def test_transient_errors_are_retried(platform: Platform) -> None:
    platform.cluster["mgmt"].faults.fail(503, times=2, method="PATCH")
    platform.cluster["dev-eu-1"].faults.fail(429, times=1, method="GET")
    platform.cluster["prd-eu-1"].faults.close(times=1, method="PATCH")
    run = platform.reconcile()
    assert run.code == 0, run.out + run.err
    assert len(platform.names("mgmt", "/apis/butler.butlerlabs.dev/v1alpha1/workspaces")) == 5
    assert platform.get("prd-eu-1", "/apis/apps/v1/namespaces/vector/statefulsets/vector-aggregator")


def test_dry_run_writes_nothing_and_shows_the_plan(platform: Platform) -> None:
    platform.reset_counters()
    run = platform.reconcile("--dry-run")
    assert run.code == 1  # as plan exits: changes
    assert "mgmt (dry run): 7 to create" in run.out
    assert platform.writes() == 0
    assert platform.reconcile().code == 0
    assert platform.reconcile("--dry-run").code == 0  # no changes


def test_dry_run_exits_2_on_an_error_as_plan_does(platform: Platform) -> None:
    platform.cluster["dev-eu-1"].faults.hang(times=None, seconds=5)
    run = platform.reconcile("--dry-run", "--request-timeout", "0.3")
    assert run.code == 2 and "dev-eu-1: unreachable" in run.out
    platform.cluster["dev-eu-1"].faults.clear()
    platform.write("teams/platform.yaml", "kind: Team\n")
    assert platform.reconcile("--dry-run").code == 2  # invalid documents


def test_a_server_that_never_answers_is_unreachable_within_the_request_timeout(platform: Platform) -> None:
    platform.cluster["dev-eu-1"].faults.hang(times=None, seconds=5)
    run = platform.reconcile("--request-timeout", "0.3")
    assert run.code == 1
    assert "dev-eu-1: unreachable" in run.out
    assert "mgmt: 7 created" in run.out
    platform.cluster["dev-eu-1"].faults.clear()


def test_an_existing_object_we_did_not_create_is_not_adopted(platform: Platform) -> None:
    status, _ = platform.request(
        "mgmt",
        "POST",
        "/apis/butler.butlerlabs.dev/v1alpha1/namespaces/team-platform/workspaces",
        {
            "apiVersion": "butler.butlerlabs.dev/v1alpha1",
            "kind": "Workspace",
            "metadata": {"name": "alice-ledger"},
            "spec": {"owner": "alice@acme.dev", "image": "hand-made", "clusterRef": {"name": "dev-eu-1"}},
        },
    )
    assert status == 201
    run = platform.reconcile()
    assert run.code == 1
    assert (
        "not adopted Workspace/team-platform/alice-ledger: exists and was not created by this installation" in run.out
    )
    assert platform.get("mgmt", f"{WORKSPACES}/alice-ledger")["spec"]["image"] == "hand-made"
    assert "team-platform/bob-payments-api" in platform.names("mgmt", "/apis/butler.butlerlabs.dev/v1alpha1/workspaces")


def test_prune_is_bound_to_the_uid_it_listed(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    key = ObjectKey("v1", "ConfigMap", "vector", "vector-agent")
    client = KubeClient(platform.cluster.api_client("dev-eu-1"))
    plan = ClusterPlan((), (), (Prune(key, "not-the-listed-uid", "h"),), {}, pruning=True)
    (outcome,) = prune(client, Discovery(client), plan)
    assert outcome.result == "prune skipped"
    assert platform.get("dev-eu-1", "/api/v1/namespaces/vector/configmaps/vector-agent")
