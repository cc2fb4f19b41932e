"""Two Cluster documents that reach one API server: each keeps its own inventory, neither prunes the other's
objects, an object both want is applied by neither, and the same connection twice is a validation error."""

from __future__ import annotations

import json

import pytest

from reconciler.kube.inventory import Inventory, encode
from reconciler.kube.objects import ObjectKey
from reconciler.kube.servers import contested_objects, server_identity
from tests.apply.conftest import Platform
from tests.conftest import run_portal_in_process
from tests.kube_emulator.kubeconfig import write_kubeconfig

WORKSPACE_COLLECTION = "/apis/butler.butlerlabs.dev/v1alpha1/workspaces"
TEMPLATE_COLLECTION = "/apis/butler.butlerlabs.dev/v1alpha1/workspacetemplates"
CONFIGMAPS = "/api/v1/namespaces/portal-system/configmaps"


def point_at_mgmt(platform: Platform, *names: str) -> None:
    """Contexts of other names that reach the management cluster's API server."""
    servers = {n: e.url for n, e in platform.cluster.emulators.items()}
    write_kubeconfig(platform.kubeconfig, {**servers, **dict.fromkeys(names, servers["mgmt"])})


def test_two_clusters_on_one_server_never_prune_each_other(platform: Platform) -> None:
    point_at_mgmt(platform, "dev-eu-1")
    first = platform.reconcile("--prune")
    assert first.code == 0, first.out
    workspaces = platform.names("mgmt", WORKSPACE_COLLECTION)
    templates = platform.names("mgmt", TEMPLATE_COLLECTION)
    assert len(workspaces) == 5 and len(templates) == 2
    platform.cluster["mgmt"].requests.reset()
    for _ in range(2):
        run = platform.reconcile("--prune")
        assert run.code == 0, run.out
    assert platform.cluster["mgmt"].requests.count("DELETE") == 0
    assert platform.names("mgmt", WORKSPACE_COLLECTION) == workspaces
    assert platform.names("mgmt", TEMPLATE_COLLECTION) == templates
    inventories = platform.names("mgmt", CONFIGMAPS)
    assert {"portal-system/portal-inventory-default-mgmt", "portal-system/portal-inventory-default-dev-eu-1"} <= (
        inventories
    )
    assert not any("Workspace" in line for line in platform.inventory("dev-eu-1"))


def test_an_object_two_clusters_on_one_server_want_is_a_conflict_for_both(platform: Platform) -> None:
    point_at_mgmt(platform, "dev-eu-1", "prd-eu-1")
    run = platform.reconcile("--format", "json")
    assert run.code == 1, run.out
    clusters = {c["cluster"]: c for c in json.loads(run.out)["clusters"]}
    dev_errors = clusters["dev-eu-1"]["plan"]["errors"]
    prd_errors = clusters["prd-eu-1"]["plan"]["errors"]
    assert "Namespace/vector: Cluster 'prd-eu-1' is on the same API server and wants it too; applied by neither" in (
        dev_errors
    )
    assert "Namespace/vector: Cluster 'dev-eu-1' is on the same API server and wants it too; applied by neither" in (
        prd_errors
    )
    assert platform.get("mgmt", "/api/v1/namespaces/vector") is None
    assert len(platform.names("mgmt", WORKSPACE_COLLECTION)) == 5  # what nobody else wants is applied
    plan = platform.plan()
    assert plan.code == 2 and "error Namespace/vector: Cluster 'prd-eu-1'" in plan.out


def test_the_same_connection_twice_is_a_validation_error_naming_both_files(platform: Platform) -> None:
    platform.edit("clusters/dev-eu-1.yaml", "context: dev-eu-1", "context: mgmt")
    run = run_portal_in_process("validate", platform.repo)
    assert run.code == 1, run.out
    assert (
        "clusters/mgmt.yaml:15:3: error: Cluster/mgmt: spec.connection: Cluster 'mgmt' (clusters/mgmt.yaml) and "
        "Cluster 'dev-eu-1' (clusters/dev-eu-1.yaml:12:3) use the same connection, context 'mgmt'"
    ) in run.out
    platform.reset_counters()
    assert platform.reconcile("--prune").code == 1
    assert platform.plan().code == 2
    assert platform.cluster["mgmt"].requests.total == 0


def _write_legacy(platform: Platform, entries: dict[ObjectKey, str]) -> None:
    legacy = encode(Inventory(entries), "default", "unused")
    legacy["metadata"]["name"] = "portal-inventory-default"
    status, body = platform.request("mgmt", "POST", CONFIGMAPS, legacy)
    assert status == 201, body


def _mgmt_entries(platform: Platform) -> dict[ObjectKey, str]:
    return {
        ObjectKey.decode(rest): digest
        for digest, _, rest in (line.partition(" ") for line in platform.inventory("mgmt"))
    }


def test_the_old_shared_inventory_is_migrated_and_removed_when_all_of_it_is_claimed(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    entries = _mgmt_entries(platform)
    platform.request("mgmt", "DELETE", f"{CONFIGMAPS}/portal-inventory-default-mgmt")
    _write_legacy(platform, entries)
    run = platform.reconcile("--prune")
    assert run.code == 0, run.out
    assert platform.get("mgmt", f"{CONFIGMAPS}/portal-inventory-default") is None
    assert _mgmt_entries(platform).keys() == entries.keys()
    platform.remove("workspaces/omar-oncall.yaml")  # listed in the new inventory now: pruned as usual
    assert platform.reconcile("--prune").code == 0
    assert "team-platform/omar-oncall" not in platform.names("mgmt", WORKSPACE_COLLECTION)


def test_unclaimed_entries_keep_the_old_inventory_and_their_objects(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    entries = _mgmt_entries(platform)
    platform.request("mgmt", "DELETE", f"{CONFIGMAPS}/portal-inventory-default-mgmt")
    _write_legacy(platform, entries)
    platform.remove("workspaces/omar-oncall.yaml")  # listed in the old inventory only: maybe another's
    run = platform.reconcile("--prune")
    assert run.code == 0, run.out
    assert "team-platform/omar-oncall" in platform.names("mgmt", WORKSPACE_COLLECTION)
    assert platform.get("mgmt", f"{CONFIGMAPS}/portal-inventory-default") is not None
    assert len(platform.inventory("mgmt")) == 6


def test_contested_objects_are_those_two_clusters_of_one_server_both_want() -> None:
    shared, own = ObjectKey("v1", "Namespace", "", "vector"), ObjectKey("v1", "ConfigMap", "vector", "a")
    servers = {
        "a": server_identity("https://10.0.0.1:6443/"),
        "b": server_identity("HTTPS://10.0.0.1:6443"),
        "c": server_identity("https://10.0.0.2:6443"),
    }
    desired = {"a": [shared, own], "b": [shared], "c": [shared]}
    assert contested_objects(servers, desired) == {"a": {shared: "b"}, "b": {shared: "a"}}


@pytest.mark.parametrize(
    ("first", "second", "described"),
    [
        (
            "kubeconfigSecretRef: {namespace: team-platform, name: kc}",
            "kubeconfigSecretRef: {namespace: team-platform, name: kc, key: value}",
            "kubeconfig Secret team-platform/kc (key 'value')",
        ),
        ("inCluster: true", "inCluster: true", "the in-cluster service account"),
    ],
)
def test_the_same_secret_or_in_cluster_twice_is_a_validation_error(
    platform: Platform, first: str, second: str, described: str
) -> None:
    platform.edit("clusters/dev-eu-1.yaml", "context: dev-eu-1", first)
    platform.edit("clusters/prd-eu-1.yaml", "context: prd-eu-1", second)
    run = run_portal_in_process("validate", platform.repo)
    assert run.code == 1, run.out
    assert (
        "clusters/prd-eu-1.yaml:12:3: error: Cluster/prd-eu-1: spec.connection: Cluster 'prd-eu-1' "
        "(clusters/prd-eu-1.yaml) and Cluster 'dev-eu-1' (clusters/dev-eu-1.yaml:12:3) use the same connection, "
        f"{described}"
    ) in run.out
