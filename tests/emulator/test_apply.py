"""Server-side apply: creation, field ownership, pruning, conflicts, force, and updates taking ownership."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes.client import ApiException

from tests.emulator.conftest import Cluster
from tests.emulator.test_writes import configmap, deployment

APPLY = "application/apply-patch+yaml"


def apply_configmap(cluster: Cluster, body: dict[str, Any], manager: str, force: bool | None = None) -> tuple[Any, int]:
    name = body["metadata"]["name"]
    result, code, _ = cluster.core.patch_namespaced_config_map_with_http_info(
        name, "default", body, field_manager=manager, force=force, _content_type=APPLY
    )
    return result, code


def managers(obj: Any) -> dict[tuple[str, str], dict[str, Any]]:
    entries = obj.metadata.managed_fields or []
    return {(e.manager, e.operation): e.fields_v1 for e in entries}


def test_apply_creates_a_missing_object_with_201(cluster: Cluster) -> None:
    created, code = apply_configmap(cluster, configmap("a", {"k": "v"}, labels={"app": "x"}), "gitops")
    assert code == 201
    assert created.data == {"k": "v"} and created.metadata.uid
    assert managers(created) == {
        ("gitops", "Apply"): {"f:data": {"f:k": {}}, "f:metadata": {"f:labels": {"f:app": {}}}},
    }
    entry = created.metadata.managed_fields[0]
    assert entry.fields_type == "FieldsV1" and entry.api_version == "v1" and entry.time is not None
    again, code = apply_configmap(cluster, configmap("a", {"k": "v"}, labels={"app": "x"}), "gitops")
    assert code == 200
    assert again.metadata.resource_version == created.metadata.resource_version  # no-op apply writes nothing


def test_apply_needs_a_field_manager(cluster: Cluster) -> None:
    code, status = cluster.raw("PATCH", "/api/v1/namespaces/default/configmaps/a", configmap("a"), APPLY)
    assert code == 400 and status["reason"] == "BadRequest"


def test_apply_into_a_missing_namespace_is_404(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as caught:
        cluster.core.patch_namespaced_config_map("a", "ghost", configmap("a"), field_manager="m", _content_type=APPLY)
    assert caught.value.status == 404


def test_keyed_lists_are_owned_per_item(cluster: Cluster) -> None:
    body = deployment("web")
    container = body["spec"]["template"]["spec"]["containers"][0]
    container["ports"] = [{"containerPort": 8080, "protocol": "TCP"}]
    container["env"] = [{"name": "A", "value": "1"}]
    created = cluster.apps.patch_namespaced_deployment(
        "web", "default", body, field_manager="gitops", _content_type=APPLY
    )
    fields = managers(created)[("gitops", "Apply")]
    item = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"app"}']
    assert item["."] == {} and item["f:image"] == {} and item["f:name"] == {}
    assert item["f:env"] == {'k:{"name":"A"}': {".": {}, "f:name": {}, "f:value": {}}}
    assert item["f:ports"] == {
        'k:{"containerPort":8080,"protocol":"TCP"}': {".": {}, "f:containerPort": {}, "f:protocol": {}}
    }
    assert fields["f:spec"]["f:replicas"] == {}


def test_fields_a_manager_stops_applying_are_removed(cluster: Cluster) -> None:
    body = deployment("web")
    container = body["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    body["metadata"]["labels"] = {"keep": "1", "drop": "1"}
    cluster.apps.patch_namespaced_deployment("web", "default", body, field_manager="gitops", _content_type=APPLY)
    container["env"] = [{"name": "A", "value": "1"}]
    body["metadata"]["labels"] = {"keep": "1"}
    del body["spec"]["replicas"]
    after = cluster.apps.patch_namespaced_deployment(
        "web", "default", body, field_manager="gitops", _content_type=APPLY
    )
    assert after.metadata.labels == {"keep": "1"}
    assert [e.name for e in after.spec.template.spec.containers[0].env] == ["A"]
    assert after.spec.replicas is None  # no defaulting here: the field is simply gone
    assert after.metadata.generation == 2


def test_removed_fields_stay_when_another_manager_owns_them(cluster: Cluster) -> None:
    apply_configmap(cluster, configmap("a", {"shared": "s", "mine": "m"}), "first")
    apply_configmap(cluster, configmap("a", {"shared": "s"}), "second")
    after, _ = apply_configmap(cluster, configmap("a", {}), "first")
    assert after.data == {"shared": "s"}
    owned = managers(after)
    assert owned[("second", "Apply")] == {"f:data": {"f:shared": {}}}


def test_conflict_without_force_and_ownership_transfer_with_force(cluster: Cluster) -> None:
    apply_configmap(cluster, configmap("a", {"k": "v", "other": "o"}), "alice")
    same_value, _ = apply_configmap(cluster, configmap("a", {"k": "v"}), "bob")  # same value: shared, no conflict
    assert set(managers(same_value)) == {("alice", "Apply"), ("bob", "Apply")}
    with pytest.raises(ApiException) as caught:
        apply_configmap(cluster, configmap("a", {"k": "changed"}), "carol")
    assert caught.value.status == 409
    status = json.loads(caught.value.body)
    assert status["reason"] == "Conflict"
    assert status["message"] == (
        'Apply failed with 2 conflicts: conflicts with "alice":\n- .data.k\nconflicts with "bob":\n- .data.k'
    )
    causes = status["details"]["causes"]
    assert {c["message"] for c in causes} == {'conflict with "alice"', 'conflict with "bob"'}
    assert {c["field"] for c in causes} == {".data.k"} and {c["type"] for c in causes} == {"FieldManagerConflict"}
    assert cluster.core.read_namespaced_config_map("a", "default").data["k"] == "v"

    forced, _ = apply_configmap(cluster, configmap("a", {"k": "changed"}), "carol", force=True)
    assert forced.data == {"k": "changed", "other": "o"}
    owned = managers(forced)
    assert owned[("carol", "Apply")] == {"f:data": {"f:k": {}}}
    assert owned[("alice", "Apply")] == {"f:data": {"f:other": {}}}
    assert ("bob", "Apply") not in owned  # bob owned nothing else
    # alice no longer owns k: dropping it from her config leaves carol's value alone.
    after, _ = apply_configmap(cluster, configmap("a", {"other": "o"}), "alice")
    assert after.data == {"k": "changed", "other": "o"}


def test_an_update_by_another_manager_takes_ownership(cluster: Cluster) -> None:
    apply_configmap(cluster, configmap("a", {"k": "v", "z": "1"}), "gitops")
    edited = cluster.core.patch_namespaced_config_map(
        "a",
        "default",
        {"data": {"k": "edited"}},
        field_manager="kubectl-edit",
        _content_type="application/merge-patch+json",
    )
    owned = managers(edited)
    assert owned[("kubectl-edit", "Update")] == {"f:data": {"f:k": {}}}
    assert owned[("gitops", "Apply")] == {"f:data": {"f:z": {}}}
    with pytest.raises(ApiException) as caught:
        apply_configmap(cluster, configmap("a", {"k": "v", "z": "1"}), "gitops")
    assert caught.value.status == 409
    cause = json.loads(caught.value.body)["details"]["causes"][0]
    assert cause["message"] == 'conflict with "kubectl-edit" using v1' and cause["field"] == ".data.k"
    forced, _ = apply_configmap(cluster, configmap("a", {"k": "v", "z": "1"}), "gitops", force=True)
    assert forced.data == {"k": "v", "z": "1"}
    assert ("kubectl-edit", "Update") not in managers(forced)


def test_put_by_another_manager_takes_ownership_of_changed_fields_only(cluster: Cluster) -> None:
    applied, _ = apply_configmap(cluster, configmap("a", {"k": "v", "same": "s"}), "gitops")
    body = configmap("a", {"k": "put", "same": "s"}, resourceVersion=applied.metadata.resource_version)
    replaced = cluster.core.replace_namespaced_config_map("a", "default", body, field_manager="editor")
    owned = managers(replaced)
    assert owned[("editor", "Update")] == {"f:data": {"f:k": {}}}
    assert owned[("gitops", "Apply")] == {"f:data": {"f:same": {}}}


def test_apply_with_a_stale_resource_version_is_409(cluster: Cluster) -> None:
    created, _ = apply_configmap(cluster, configmap("a", {"k": "v"}), "gitops")
    cluster.core.patch_namespaced_config_map("a", "default", {"data": {"x": "y"}})
    stale = configmap("a", {"k": "w"}, resourceVersion=created.metadata.resource_version)
    with pytest.raises(ApiException) as caught:
        apply_configmap(cluster, stale, "gitops")
    assert caught.value.status == 409


def test_apply_of_the_main_resource_ignores_status_and_status_apply_works(cluster: Cluster) -> None:
    body = deployment("web")
    body["status"] = {"replicas": 9}
    created = cluster.apps.patch_namespaced_deployment(
        "web", "default", body, field_manager="gitops", _content_type=APPLY
    )
    assert created.status is None
    assert "f:status" not in managers(created)[("gitops", "Apply")]
    status_body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "status": {"readyReplicas": 1},
    }
    after = cluster.apps.patch_namespaced_deployment_status(
        "web", "default", status_body, field_manager="ctrl", _content_type=APPLY
    )
    assert after.status.ready_replicas == 1 and after.spec.replicas == 1
    entry = next(e for e in after.metadata.managed_fields if e.manager == "ctrl")
    assert entry.subresource == "status" and entry.fields_v1 == {"f:status": {"f:readyReplicas": {}}}


def test_apply_through_the_dynamic_client(cluster: Cluster) -> None:
    teams = cluster.dynamic.resources.get(api_version="butler.butlerlabs.dev/v1alpha1", kind="Team")
    environments = [{"name": "dev", "x": 1}, {"name": "prod", "x": 2}]
    team = {
        "apiVersion": "butler.butlerlabs.dev/v1alpha1",
        "kind": "Team",
        "metadata": {"name": "core"},
        "spec": {"displayName": "Core", "environments": environments},
    }
    created = teams.server_side_apply(body=team, field_manager="gitops")
    assert created.spec.displayName == "Core"
    fields = created.to_dict()["metadata"]["managedFields"][0]["fieldsV1"]
    assert set(fields["f:spec"]["f:environments"]) == {'k:{"name":"dev"}', 'k:{"name":"prod"}'}
    team["spec"]["environments"] = [{"name": "dev", "x": 1}]
    after = teams.server_side_apply(body=team, field_manager="gitops")
    assert [e["name"] for e in after.spec.environments] == ["dev"]
    team["spec"]["displayName"] = "Other"
    with pytest.raises(ApiException) as caught:
        teams.server_side_apply(body=team, field_manager="intruder")
    assert caught.value.status == 409
    forced = teams.server_side_apply(body=team, field_manager="intruder", force_conflicts=True)
    assert forced.spec.displayName == "Other"


def test_custom_resource_lists_without_keys_are_atomic(cluster: Cluster) -> None:
    group, version = "butler.butlerlabs.dev", "v1alpha1"
    body = {
        "apiVersion": f"{group}/{version}",
        "kind": "User",
        "metadata": {"name": "u"},
        "spec": {"roles": ["a", "b"]},
    }
    # Apply-created objects come back with 201, which CustomObjectsApi.patch_* does not deserialize (it
    # returns None, as against a real server), hence the read.
    cluster.custom.patch_cluster_custom_object(
        group, version, "users", "u", body, field_manager="m", _content_type=APPLY
    )
    created = cluster.custom.get_cluster_custom_object(group, version, "users", "u")
    assert created["metadata"]["managedFields"][0]["fieldsV1"] == {"f:spec": {"f:roles": {}}}


def test_finalizers_are_a_set_owned_per_value(cluster: Cluster) -> None:
    created, _ = apply_configmap(cluster, configmap("a", finalizers=["example.com/one"]), "gitops")
    fields = managers(created)[("gitops", "Apply")]
    assert fields == {"f:metadata": {"f:finalizers": {'v:"example.com/one"': {}}}}
    other, _ = apply_configmap(cluster, configmap("a", finalizers=["example.com/two"]), "controller")
    assert other.metadata.finalizers == ["example.com/one", "example.com/two"]
    after, _ = apply_configmap(cluster, configmap("a"), "gitops")
    assert after.metadata.finalizers == ["example.com/two"]


def test_update_owns_the_maps_it_creates(cluster: Cluster) -> None:
    created = cluster.core.create_namespaced_config_map("default", configmap("a", {"k": "v"}, labels={"x": "y"}))
    assert managers(created) == {
        ("OpenAPI-Generator", "Update"): {
            "f:data": {".": {}, "f:k": {}},
            "f:metadata": {"f:labels": {".": {}, "f:x": {}}},
        }
    }
    group, version = "butler.butlerlabs.dev", "v1alpha1"
    team = {"apiVersion": f"{group}/{version}", "kind": "Team", "metadata": {"name": "t"}, "spec": {"a": {"b": 1}}}
    made = cluster.custom.create_cluster_custom_object(group, version, "teams", team, field_manager="portal")
    (entry,) = made["metadata"]["managedFields"]
    assert entry["manager"] == "portal" and entry["operation"] == "Update"
    assert entry["fieldsV1"] == {"f:spec": {".": {}, "f:a": {".": {}, "f:b": {}}}}


def test_an_item_partly_owned_by_another_manager_stays_whole(cluster: Cluster) -> None:
    body = deployment("web")
    body["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox:1"})
    cluster.apps.patch_namespaced_deployment("web", "default", body, field_manager="gitops", _content_type=APPLY)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox:2"}]}}}}
    cluster.apps.patch_namespaced_deployment(
        "web", "default", patch, field_manager="operator", _content_type="application/strategic-merge-patch+json"
    )
    body["spec"]["template"]["spec"]["containers"].pop()
    after = cluster.apps.patch_namespaced_deployment(
        "web", "default", body, field_manager="gitops", _content_type=APPLY
    )
    containers = {c.name: c.image for c in after.spec.template.spec.containers}
    assert containers == {"app": "nginx:1", "side": "busybox:2"}


def test_an_update_may_rewrite_or_reset_managed_fields(cluster: Cluster) -> None:
    apply_configmap(cluster, configmap("a", {"k": "v"}), "gitops")
    rewritten = [
        {
            "manager": "adopter",
            "operation": "Apply",
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:k": {}}},
        },
    ]
    operation = [{"op": "replace", "path": "/metadata/managedFields", "value": rewritten}]
    adopted = cluster.core.patch_namespaced_config_map("a", "default", operation)
    assert managers(adopted) == {("adopter", "Apply"): {"f:data": {"f:k": {}}}}
    with pytest.raises(ApiException) as caught:  # gitops no longer owns k
        apply_configmap(cluster, configmap("a", {"k": "other"}), "gitops")
    assert 'conflict with "adopter"' in json.loads(caught.value.body)["message"]
    reset = [{"op": "replace", "path": "/metadata/managedFields", "value": [{}]}]
    assert cluster.core.patch_namespaced_config_map("a", "default", reset).metadata.managed_fields is None
    # A client that sends no managedFields (or an empty list) keeps the live ones.
    apply_configmap(cluster, configmap("a", {"k": "v"}), "gitops")
    body = configmap("a", {"k": "v", "x": "y"})
    body["metadata"]["managedFields"] = []
    replaced = cluster.core.replace_namespaced_config_map("a", "default", body, field_manager="editor")
    assert set(managers(replaced)) == {("gitops", "Apply"), ("editor", "Update")}


def test_apply_may_not_carry_managed_fields(cluster: Cluster) -> None:
    body = configmap("a", {"k": "v"})
    body["metadata"]["managedFields"] = [{"manager": "x"}]
    with pytest.raises(ApiException) as caught:
        apply_configmap(cluster, body, "gitops")
    assert caught.value.status == 400


def test_port_keys_default_their_protocol(cluster: Cluster) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    created = cluster.core.patch_namespaced_service(
        "web", "default", service, field_manager="gitops", _content_type=APPLY
    )
    ports = managers(created)[("gitops", "Apply")]["f:spec"]["f:ports"]
    assert list(ports) == ['k:{"port":80,"protocol":"TCP"}']
    service["spec"]["ports"] = [{"port": 80, "protocol": "TCP", "targetPort": 9090}]
    after = cluster.core.patch_namespaced_service(
        "web", "default", service, field_manager="gitops", _content_type=APPLY
    )
    assert [(p.port, p.target_port) for p in after.spec.ports] == [(80, 9090)]  # the same item, not a second one
