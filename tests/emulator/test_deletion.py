"""Deletion: finalizers, namespace cascade, preconditions, propagation policies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client import ApiException

from tests.emulator.conftest import Cluster
from tests.emulator.test_writes import configmap, deployment


def test_delete_answers_a_success_status(cluster: Cluster) -> None:
    created = cluster.core.create_namespaced_config_map("default", configmap("a"))
    code, status = cluster.raw("DELETE", "/api/v1/namespaces/default/configmaps/a")
    assert code == 200
    assert status["status"] == "Success"
    assert status["details"] == {"name": "a", "kind": "configmaps", "uid": created.metadata.uid}
    with pytest.raises(ApiException) as caught:
        cluster.core.delete_namespaced_config_map("a", "default")
    assert caught.value.status == 404


def test_finalizers_hold_an_object_until_removed(cluster: Cluster) -> None:
    core = cluster.core
    core.create_namespaced_config_map("default", configmap("a", finalizers=["example.com/hold"]))
    mark = core.list_namespaced_config_map("default").metadata.resource_version
    core.delete_namespaced_config_map("a", "default")
    held = core.read_namespaced_config_map("a", "default")
    assert held.metadata.deletion_timestamp is not None
    with pytest.raises(ApiException) as caught:  # no new finalizers on an object being deleted
        core.patch_namespaced_config_map("a", "default", {"metadata": {"finalizers": ["example.com/hold", "x/y"]}})
    assert caught.value.status == 422
    core.delete_namespaced_config_map("a", "default")  # deleting again changes nothing
    assert core.read_namespaced_config_map("a", "default").metadata.resource_version == held.metadata.resource_version
    core.patch_namespaced_config_map("a", "default", [{"op": "remove", "path": "/metadata/finalizers"}])
    with pytest.raises(ApiException) as caught:
        core.read_namespaced_config_map("a", "default")
    assert caught.value.status == 404
    stream = watch.Watch().stream(core.list_namespaced_config_map, "default", resource_version=mark, timeout_seconds=1)
    assert [e["type"] for e in stream] == ["MODIFIED", "DELETED"]


def test_deleting_a_custom_resource_with_finalizers_bumps_generation(cluster: Cluster) -> None:
    group, version = "butler.butlerlabs.dev", "v1alpha1"
    body = {
        "apiVersion": f"{group}/{version}",
        "kind": "Workspace",
        "metadata": {"name": "w", "finalizers": ["butler/cleanup"]},
        "spec": {},
    }
    cluster.custom.create_namespaced_custom_object(group, version, "default", "workspaces", body)
    cluster.custom.delete_namespaced_custom_object(group, version, "default", "workspaces", "w")
    held = cluster.custom.get_namespaced_custom_object(group, version, "default", "workspaces", "w")
    assert held["metadata"]["deletionTimestamp"] and held["metadata"]["generation"] == 2


def test_preconditions(cluster: Cluster) -> None:
    created = cluster.core.create_namespaced_config_map("default", configmap("a"))
    wrong_uid = client.V1DeleteOptions(preconditions=client.V1Preconditions(uid="not-the-uid"))
    with pytest.raises(ApiException) as caught:
        cluster.core.delete_namespaced_config_map("a", "default", body=wrong_uid)
    assert caught.value.status == 409
    status = json.loads(caught.value.body)
    assert status["reason"] == "Conflict" and "Precondition failed: UID in precondition" in status["message"]
    stale = client.V1DeleteOptions(preconditions=client.V1Preconditions(resource_version="1"))
    with pytest.raises(ApiException) as caught:
        cluster.core.delete_namespaced_config_map("a", "default", body=stale)
    assert caught.value.status == 409
    right = client.V1DeleteOptions(
        preconditions=client.V1Preconditions(
            uid=created.metadata.uid, resource_version=created.metadata.resource_version
        )
    )
    cluster.core.delete_namespaced_config_map("a", "default", body=right)
    assert cluster.core.list_namespaced_config_map("default").items == []


@pytest.mark.parametrize("policy", ["Foreground", "Background", "Orphan"])
def test_propagation_policy_is_accepted(cluster: Cluster, policy: str) -> None:
    cluster.apps.create_namespaced_deployment("default", deployment("web"))
    cluster.apps.delete_namespaced_deployment("web", "default", propagation_policy=policy)
    assert cluster.apps.list_namespaced_deployment("default").items == []


def test_deleting_a_namespace_deletes_its_content(cluster: Cluster) -> None:
    core = cluster.core
    core.create_namespace({"metadata": {"name": "team"}})
    core.create_namespaced_config_map("team", configmap("a"))
    cluster.apps.create_namespaced_deployment("team", deployment("web"))
    core.create_namespaced_config_map("default", configmap("elsewhere"))
    code, answer = cluster.raw("DELETE", "/api/v1/namespaces/team")
    assert code == 200 and answer["kind"] == "Namespace" and answer["status"]["phase"] == "Terminating"
    with pytest.raises(ApiException) as caught:
        core.read_namespace("team")
    assert caught.value.status == 404
    assert core.list_config_map_for_all_namespaces(field_selector="metadata.namespace=team").items == []
    assert cluster.apps.list_deployment_for_all_namespaces().items == []
    assert [c.metadata.name for c in core.list_namespaced_config_map("default").items] == ["elsewhere"]


def test_a_namespace_waits_for_finalized_content(cluster: Cluster) -> None:
    core = cluster.core
    core.create_namespace({"metadata": {"name": "team"}})
    core.create_namespaced_config_map("team", configmap("held", finalizers=["example.com/hold"]))
    core.delete_namespace("team")
    terminating = core.read_namespace("team")
    assert terminating.status.phase == "Terminating" and terminating.metadata.deletion_timestamp
    with pytest.raises(ApiException) as caught:
        core.create_namespaced_config_map("team", configmap("new"))
    assert caught.value.status == 403 and json.loads(caught.value.body)["reason"] == "Forbidden"
    assert core.read_namespaced_config_map("held", "team").metadata.deletion_timestamp
    core.patch_namespaced_config_map("held", "team", {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as caught:
        core.read_namespace("team")
    assert caught.value.status == 404


def test_new_namespaces_are_active_and_labelled(cluster: Cluster) -> None:
    created = cluster.core.create_namespace({"metadata": {"name": "team"}})
    assert created.status.phase == "Active"
    assert created.metadata.labels == {"kubernetes.io/metadata.name": "team"}
    assert created.spec.finalizers == ["kubernetes"]


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_system_namespaces_may_not_be_deleted(cluster: Cluster, name: str) -> None:
    with pytest.raises(ApiException) as caught:
        cluster.core.delete_namespace(name)
    assert caught.value.status == 403
    assert (
        json.loads(caught.value.body)["message"]
        == f'namespaces "{name}" is forbidden: this namespace may not be deleted'
    )
    assert cluster.core.read_namespace(name).status.phase == "Active"


def test_deleting_a_crd_deletes_its_objects_with_events(cluster: Cluster) -> None:
    from kubernetes.client import ApiextensionsV1Api

    from tests.emulator.test_crds_and_runner import WIDGET_CRD

    ApiextensionsV1Api(cluster.api_client).create_custom_resource_definition(WIDGET_CRD)
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    cluster.custom.create_namespaced_custom_object("example.com", "v1", "default", "widgets", widget)
    mark = cluster.custom.list_namespaced_custom_object("example.com", "v1", "default", "widgets")["metadata"]
    ApiextensionsV1Api(cluster.api_client).delete_custom_resource_definition("widgets.example.com")
    events = cluster.emulator.call(lambda api: api.store.events_since(("example.com", "widgets"), 0))
    assert [(e.type, e.body["metadata"]["name"]) for e in events] == [("ADDED", "w"), ("DELETED", "w")]
    assert events[-1].resource_version > int(mark["resourceVersion"])


def owned_by(owner: Any, name: str) -> dict[str, Any]:
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": owner.metadata.name, "uid": owner.metadata.uid}
    return configmap(name, ownerReferences=[reference])


def test_dependents_are_collected_with_their_owner(cluster: Cluster) -> None:
    owner = cluster.core.create_namespaced_config_map("default", configmap("owner"))
    cluster.core.create_namespaced_config_map("default", owned_by(owner, "child"))
    child = cluster.core.read_namespaced_config_map("child", "default")
    cluster.core.create_namespaced_config_map("default", owned_by(child, "grandchild"))
    cluster.core.create_namespaced_config_map("default", configmap("unrelated"))
    cluster.core.delete_namespaced_config_map("owner", "default")
    assert [c.metadata.name for c in cluster.core.list_namespaced_config_map("default").items] == ["unrelated"]


def test_orphaned_dependents_stay_without_the_reference(cluster: Cluster) -> None:
    owner = cluster.core.create_namespaced_config_map("default", configmap("owner"))
    cluster.core.create_namespaced_config_map("default", owned_by(owner, "child"))
    cluster.core.delete_namespaced_config_map("owner", "default", propagation_policy="Orphan")
    child = cluster.core.read_namespaced_config_map("child", "default")
    assert child.metadata.owner_references is None
    # Only the references were owned; with them gone, nothing is.
    assert child.metadata.managed_fields is None


def test_an_owner_held_by_finalizers_keeps_its_dependents_until_it_goes(cluster: Cluster) -> None:
    owner = cluster.core.create_namespaced_config_map("default", configmap("owner", finalizers=["x.io/hold"]))
    cluster.core.create_namespaced_config_map("default", owned_by(owner, "child"))
    cluster.core.delete_namespaced_config_map("owner", "default")
    assert cluster.core.read_namespaced_config_map("child", "default").metadata.name == "child"
    cluster.core.patch_namespaced_config_map("owner", "default", {"metadata": {"finalizers": None}})
    assert cluster.core.list_namespaced_config_map("default").items == []
