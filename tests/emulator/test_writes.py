from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes.client import ApiException

from tests.emulator.conftest import Cluster


def configmap(name: str, data: dict[str, str] | None = None, **metadata: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata}}
    if data is not None:
        body["data"] = data
    return body


def deployment(name: str, image: str = "nginx:1", replicas: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    }


def status_of(error: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(error.body)
    return body


def test_create_returns_201_and_server_metadata(cluster: Cluster) -> None:
    _, code, _ = cluster.core.create_namespaced_config_map_with_http_info("default", configmap("a", {"k": "v"}))
    assert code == 201
    created = cluster.core.read_namespaced_config_map("a", "default")
    assert created.data == {"k": "v"}
    assert len(created.metadata.uid) == 36
    assert created.metadata.creation_timestamp is not None
    assert int(created.metadata.resource_version) > 0
    assert created.metadata.namespace == "default"


def test_duplicate_create_is_409_already_exists(cluster: Cluster) -> None:
    cluster.core.create_namespaced_config_map("default", configmap("a"))
    with pytest.raises(ApiException) as caught:
        cluster.core.create_namespaced_config_map("default", configmap("a"))
    assert caught.value.status == 409
    status = status_of(caught.value)
    assert status["kind"] == "Status" and status["reason"] == "AlreadyExists"
    assert status["message"] == 'configmaps "a" already exists'
    assert status["details"] == {"name": "a", "kind": "configmaps"}


def test_get_missing_is_404_not_found(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as caught:
        cluster.apps.read_namespaced_deployment("missing", "default")
    assert caught.value.status == 404
    status = status_of(caught.value)
    assert status["reason"] == "NotFound" and status["message"] == 'deployments.apps "missing" not found'
    assert status["details"] == {"name": "missing", "group": "apps", "kind": "deployments"}


def test_body_without_name_is_422_invalid(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as caught:
        cluster.core.create_namespaced_config_map("default", {"metadata": {}, "data": {}})
    assert caught.value.status == 422
    status = status_of(caught.value)
    assert status["reason"] == "Invalid"
    assert status["details"]["causes"][0]["field"] == "metadata.name"


def test_invalid_names_and_labels_are_422(cluster: Cluster) -> None:
    for body in [configmap("Upper"), configmap("ok", labels={"a": "not valid!"})]:
        with pytest.raises(ApiException) as caught:
            cluster.core.create_namespaced_config_map("default", body)
        assert caught.value.status == 422 and status_of(caught.value)["reason"] == "Invalid"


def test_kind_mismatch_is_400_and_missing_kind_of_a_builtin_is_defaulted(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as caught:
        cluster.core.create_namespaced_config_map("default", {**configmap("a"), "kind": "Secret"})
    assert caught.value.status == 400 and status_of(caught.value)["reason"] == "BadRequest"
    created = cluster.core.create_namespaced_config_map("default", {"metadata": {"name": "b"}})
    assert created.kind == "ConfigMap"


def test_custom_resource_without_kind_is_rejected(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as caught:
        cluster.custom.create_cluster_custom_object(
            "butler.butlerlabs.dev", "v1alpha1", "teams", {"metadata": {"name": "t"}}
        )
    assert caught.value.status == 400


def test_create_in_a_missing_namespace_is_404(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as caught:
        cluster.core.create_namespaced_config_map("nowhere", configmap("a"))
    assert caught.value.status == 404
    assert status_of(caught.value)["message"] == 'namespaces "nowhere" not found'


def test_resource_version_is_global_and_increases_on_every_write(cluster: Cluster) -> None:
    first = cluster.core.create_namespaced_config_map("default", configmap("a"))
    second = cluster.core.create_namespaced_config_map("default", configmap("b"))
    updated = cluster.core.patch_namespaced_config_map("a", "default", {"data": {"x": "1"}})
    versions = [int(o.metadata.resource_version) for o in (first, second, updated)]
    assert versions == sorted(versions) and len(set(versions)) == 3
    listed = cluster.core.list_namespaced_config_map("default")
    assert int(listed.metadata.resource_version) == versions[-1]


def test_put_replaces_and_stale_resource_version_is_409(cluster: Cluster) -> None:
    created = cluster.core.create_namespaced_config_map("default", configmap("a", {"k": "v", "old": "x"}))
    replacement = configmap("a", {"k": "w"}, resourceVersion=created.metadata.resource_version)
    replaced = cluster.core.replace_namespaced_config_map("a", "default", replacement)
    assert replaced.data == {"k": "w"}
    assert replaced.metadata.uid == created.metadata.uid
    assert replaced.metadata.creation_timestamp == created.metadata.creation_timestamp
    with pytest.raises(ApiException) as caught:
        cluster.core.replace_namespaced_config_map("a", "default", replacement)  # stale now
    assert caught.value.status == 409
    status = status_of(caught.value)
    assert status["reason"] == "Conflict"
    assert "the object has been modified" in status["message"]


def test_put_with_mismatched_name_is_400_and_missing_object_404(cluster: Cluster) -> None:
    cluster.core.create_namespaced_config_map("default", configmap("a"))
    with pytest.raises(ApiException) as caught:
        cluster.core.replace_namespaced_config_map("a", "default", configmap("b"))
    assert caught.value.status == 400
    with pytest.raises(ApiException) as caught:
        cluster.core.replace_namespaced_config_map("zz", "default", configmap("zz"))
    assert caught.value.status == 404


def test_custom_resource_put_needs_a_resource_version(cluster: Cluster) -> None:
    team = {"apiVersion": "butler.butlerlabs.dev/v1alpha1", "kind": "Team", "metadata": {"name": "t"}, "spec": {}}
    cluster.custom.create_cluster_custom_object("butler.butlerlabs.dev", "v1alpha1", "teams", team)
    with pytest.raises(ApiException) as caught:
        cluster.custom.replace_cluster_custom_object("butler.butlerlabs.dev", "v1alpha1", "teams", "t", team)
    assert caught.value.status == 422


def test_merge_patch_and_stale_resource_version_in_a_patch(cluster: Cluster) -> None:
    created = cluster.core.create_namespaced_config_map("default", configmap("a", {"k": "v", "drop": "x"}))
    patched = cluster.core.patch_namespaced_config_map(
        "a", "default", {"data": {"drop": None, "new": "n"}}, _content_type="application/merge-patch+json"
    )
    assert patched.data == {"k": "v", "new": "n"}
    stale = {"metadata": {"resourceVersion": created.metadata.resource_version}, "data": {"k": "z"}}
    with pytest.raises(ApiException) as caught:
        cluster.core.patch_namespaced_config_map("a", "default", stale, _content_type="application/merge-patch+json")
    assert caught.value.status == 409


def test_json_patch(cluster: Cluster) -> None:
    cluster.core.create_namespaced_config_map("default", configmap("a", {"k": "v"}))
    operations = [
        {"op": "add", "path": "/data/n", "value": "1"},
        {"op": "replace", "path": "/data/k", "value": "w"},
        {"op": "add", "path": "/metadata/labels", "value": {"app": "x"}},
        {"op": "test", "path": "/data/n", "value": "1"},
    ]
    patched = cluster.core.patch_namespaced_config_map("a", "default", operations)
    assert patched.data == {"k": "w", "n": "1"} and patched.metadata.labels == {"app": "x"}
    with pytest.raises(ApiException) as caught:
        cluster.core.patch_namespaced_config_map("a", "default", [{"op": "remove", "path": "/data/none"}])
    assert caught.value.status == 422
    with pytest.raises(ApiException) as caught:
        cluster.core.patch_namespaced_config_map("a", "default", [{"op": "test", "path": "/data/k", "value": "no"}])
    assert caught.value.status == 422


def test_strategic_merge_patch_merges_containers_by_name(cluster: Cluster) -> None:
    body = deployment("web")
    body["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox"})
    cluster.apps.create_namespaced_deployment("default", body)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:2"}]}}}}
    patched = cluster.apps.patch_namespaced_deployment(
        "web", "default", patch, _content_type="application/strategic-merge-patch+json"
    )
    images = {c.name: c.image for c in patched.spec.template.spec.containers}
    assert images == {"app": "nginx:2", "side": "busybox"}
    # A merge patch replaces the list, as RFC 7386 says.
    merged = cluster.apps.patch_namespaced_deployment(
        "web", "default", patch, _content_type="application/merge-patch+json"
    )
    assert [c.name for c in merged.spec.template.spec.containers] == ["app"]


def test_strategic_merge_patch_on_custom_resources_is_415(cluster: Cluster) -> None:
    team = {"apiVersion": "butler.butlerlabs.dev/v1alpha1", "kind": "Team", "metadata": {"name": "t"}}
    cluster.custom.create_cluster_custom_object("butler.butlerlabs.dev", "v1alpha1", "teams", team)
    with pytest.raises(ApiException) as caught:
        cluster.custom.patch_cluster_custom_object(
            "butler.butlerlabs.dev",
            "v1alpha1",
            "teams",
            "t",
            {"spec": {"a": 1}},
            _content_type="application/strategic-merge-patch+json",
        )
    assert caught.value.status == 415
    merged = cluster.custom.patch_cluster_custom_object(
        "butler.butlerlabs.dev",
        "v1alpha1",
        "teams",
        "t",
        {"spec": {"a": 1}},
        _content_type="application/merge-patch+json",
    )
    assert merged["spec"] == {"a": 1}


def test_unsupported_patch_type_is_415(cluster: Cluster) -> None:
    cluster.core.create_namespaced_config_map("default", configmap("a"))
    code, status = cluster.raw("PATCH", "/api/v1/namespaces/default/configmaps/a", {"data": {}}, "text/plain")
    assert code == 415 and status["reason"] == "UnsupportedMediaType"


def test_unknown_verbs_are_405(cluster: Cluster) -> None:
    cluster.core.create_namespaced_config_map("default", configmap("a"))
    for method, path in [
        ("POST", "/api/v1/namespaces/default/configmaps/a"),
        ("PATCH", "/api/v1/namespaces/default/configmaps"),
        ("PUT", "/api/v1/namespaces/default/configmaps"),
        ("POST", "/api/v1/configmaps"),
        ("DELETE", "/api/v1/configmaps"),
        ("OPTIONS", "/api/v1/namespaces/default/configmaps/a"),
        ("POST", "/apis/apps/v1/namespaces/default/deployments/a/status"),
    ]:
        code, status = cluster.raw(method, path, {}, "application/merge-patch+json")
        assert code == 405, (method, path)
        assert status["kind"] == "Status" and status["reason"] == "MethodNotAllowed"


def test_generation_counts_spec_changes_only(cluster: Cluster) -> None:
    created = cluster.apps.create_namespaced_deployment("default", deployment("web"))
    assert created.metadata.generation == 1
    labelled = cluster.apps.patch_namespaced_deployment("web", "default", {"metadata": {"labels": {"a": "b"}}})
    assert labelled.metadata.generation == 1
    scaled = cluster.apps.patch_namespaced_deployment("web", "default", {"spec": {"replicas": 3}})
    assert scaled.metadata.generation == 2
    # ConfigMaps have no generation at all on a real server.
    assert cluster.core.create_namespaced_config_map("default", configmap("a")).metadata.generation is None


def test_no_op_write_keeps_the_resource_version(cluster: Cluster) -> None:
    created = cluster.core.create_namespaced_config_map("default", configmap("a", {"k": "v"}))
    same = cluster.core.patch_namespaced_config_map("a", "default", {"data": {"k": "v"}})
    assert same.metadata.resource_version == created.metadata.resource_version


def test_status_subresource(cluster: Cluster) -> None:
    cluster.apps.create_namespaced_deployment("default", deployment("web"))
    status = {"status": {"readyReplicas": 1, "replicas": 1, "observedGeneration": 1}}
    after = cluster.apps.patch_namespaced_deployment_status("web", "default", status)
    assert after.status.ready_replicas == 1
    # Status writes ignore spec; main-resource writes ignore status.
    sneaky = {"spec": {"replicas": 9}, "status": {"readyReplicas": 2}}
    after = cluster.apps.patch_namespaced_deployment_status("web", "default", sneaky)
    assert after.spec.replicas == 1 and after.status.ready_replicas == 2
    after = cluster.apps.patch_namespaced_deployment("web", "default", {"status": {"readyReplicas": 7}})
    assert after.status.ready_replicas == 2
    read = cluster.apps.read_namespaced_deployment_status("web", "default")
    assert read.status.ready_replicas == 2
    # A status change is not a spec change.
    assert read.metadata.generation == 1


def test_status_of_a_butler_workspace(cluster: Cluster) -> None:
    group, version = "butler.butlerlabs.dev", "v1alpha1"
    body = {
        "apiVersion": f"{group}/{version}",
        "kind": "Workspace",
        "metadata": {"name": "w"},
        "spec": {"owner": "me"},
        "status": {"phase": "Ignored"},
    }
    created = cluster.custom.create_namespaced_custom_object(group, version, "default", "workspaces", body)
    assert "status" not in created  # creation resets status where status is a subresource
    cluster.custom.patch_namespaced_custom_object_status(
        group,
        version,
        "default",
        "workspaces",
        "w",
        {"status": {"phase": "Running"}},
        _content_type="application/merge-patch+json",
    )
    read = cluster.custom.get_namespaced_custom_object(group, version, "default", "workspaces", "w")
    assert read["status"] == {"phase": "Running"} and read["metadata"]["generation"] == 1


def test_kinds_without_status_subresource_keep_status_in_main_writes(cluster: Cluster) -> None:
    group, version = "butler.butlerlabs.dev", "v1alpha1"
    body = {
        "apiVersion": f"{group}/{version}",
        "kind": "WorkspaceTemplate",
        "metadata": {"name": "t"},
        "status": {"note": "kept"},
    }
    created = cluster.custom.create_namespaced_custom_object(group, version, "default", "workspacetemplates", body)
    assert created["status"] == {"note": "kept"}
    with pytest.raises(ApiException) as caught:
        cluster.custom.get_namespaced_custom_object_status(group, version, "default", "workspacetemplates", "t")
    assert caught.value.status == 404


@pytest.mark.parametrize("kind", ["create", "replace", "merge", "json", "apply", "delete", "status"])
def test_dry_run_on_every_write(cluster: Cluster, kind: str) -> None:
    core = cluster.core
    original = core.create_namespaced_config_map("default", configmap("a", {"k": "v"}))
    cluster.apps.create_namespaced_deployment("default", deployment("web"))
    before = cluster.core.list_namespaced_config_map("default").metadata.resource_version
    watch_start = before
    if kind == "create":
        result = core.create_namespaced_config_map("default", configmap("b", {"k": "v"}), dry_run="All")
        assert result.metadata.name == "b"
    elif kind == "replace":
        body = configmap("a", {"k": "w"}, resourceVersion=original.metadata.resource_version)
        result = core.replace_namespaced_config_map("a", "default", body, dry_run="All")
        assert result.data == {"k": "w"}
    elif kind == "merge":
        result = core.patch_namespaced_config_map(
            "a", "default", {"data": {"k": "w"}}, dry_run="All", _content_type="application/merge-patch+json"
        )
        assert result.data == {"k": "w"}
    elif kind == "json":
        result = core.patch_namespaced_config_map(
            "a", "default", [{"op": "replace", "path": "/data/k", "value": "w"}], dry_run="All"
        )
        assert result.data == {"k": "w"}
    elif kind == "apply":
        result = core.patch_namespaced_config_map(
            "c",
            "default",
            configmap("c", {"k": "w"}),
            dry_run="All",
            field_manager="m",
            _content_type="application/apply-patch+yaml",
        )
        assert result.data == {"k": "w"}
    elif kind == "delete":
        core.delete_namespaced_config_map("a", "default", dry_run="All")
    else:
        result = cluster.apps.patch_namespaced_deployment_status(
            "web", "default", {"status": {"replicas": 5}}, dry_run="All"
        )
        assert result.status.replicas == 5
    assert cluster.core.read_namespaced_config_map("a", "default").data == {"k": "v"}
    assert [c.metadata.name for c in core.list_namespaced_config_map("default").items] == ["a"]
    assert cluster.apps.read_namespaced_deployment("web", "default").status is None
    assert cluster.core.list_namespaced_config_map("default").metadata.resource_version == before
    events = core.list_namespaced_config_map(
        "default", watch=True, resource_version=watch_start, timeout_seconds=1, _preload_content=False
    ).read()
    assert events == b""


def test_invalid_dry_run_value_is_400(cluster: Cluster) -> None:
    with pytest.raises(ApiException) as caught:
        cluster.core.create_namespaced_config_map("default", configmap("a"), dry_run="Some")
    assert caught.value.status == 400


def test_create_with_a_resource_version_is_refused_like_the_storage_layer_does(cluster: Cluster) -> None:
    read_back = cluster.core.create_namespaced_config_map("default", configmap("a")).to_dict()
    cluster.core.delete_namespaced_config_map("a", "default")
    with pytest.raises(ApiException) as caught:
        cluster.core.create_namespaced_config_map("default", configmap("a", resourceVersion="5"))
    assert caught.value.status == 500
    assert status_of(caught.value)["message"] == "resourceVersion should not be set on objects to be created"
    stale = configmap("a", resourceVersion=read_back["metadata"]["resource_version"])
    with pytest.raises(ApiException) as caught:
        cluster.core.patch_namespaced_config_map(
            "a", "default", stale, field_manager="m", _content_type="application/apply-patch+yaml"
        )
    assert caught.value.status == 500


def test_generation_of_custom_resources_without_status_subresource_counts_status(cluster: Cluster) -> None:
    group, version = "butler.butlerlabs.dev", "v1alpha1"
    body = {"apiVersion": f"{group}/{version}", "kind": "WorkspaceTemplate", "metadata": {"name": "t"}}
    cluster.custom.create_namespaced_custom_object(group, version, "default", "workspacetemplates", body)
    patched = cluster.custom.patch_namespaced_custom_object(
        group,
        version,
        "default",
        "workspacetemplates",
        "t",
        {"status": {"x": 1}},
        _content_type="application/merge-patch+json",
    )
    assert patched["metadata"]["generation"] == 2
    labelled = cluster.custom.patch_namespaced_custom_object(
        group,
        version,
        "default",
        "workspacetemplates",
        "t",
        {"metadata": {"labels": {"a": "b"}}},
        _content_type="application/merge-patch+json",
    )
    assert labelled["metadata"]["generation"] == 2


def test_put_to_the_status_subresource(cluster: Cluster) -> None:
    cluster.apps.create_namespaced_deployment("default", deployment("web"))
    current = cluster.apps.read_namespaced_deployment_status("web", "default").to_dict()
    body = cluster.api_client.sanitize_for_serialization(cluster.apps.read_namespaced_deployment("web", "default"))
    body["status"] = {"replicas": 1, "availableReplicas": 1}
    body["spec"]["replicas"] = 4  # ignored by a status write
    replaced = cluster.apps.replace_namespaced_deployment_status("web", "default", body)
    assert replaced.status.available_replicas == 1 and replaced.spec.replicas == 1
    assert int(replaced.metadata.resource_version) > int(current["metadata"]["resource_version"])
    stale = {**body, "metadata": {**body["metadata"], "resourceVersion": current["metadata"]["resource_version"]}}
    with pytest.raises(ApiException) as caught:
        cluster.apps.replace_namespaced_deployment_status("web", "default", stale)
    assert caught.value.status == 409
