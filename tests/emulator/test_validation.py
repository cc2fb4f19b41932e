"""What the real server refuses: per-kind name rules and fields that cannot change after creation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes.client import ApiException, RbacAuthorizationV1Api

from tests.emulator.conftest import Cluster
from tests.emulator.test_writes import configmap, deployment


def refused(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ApiException) as caught:
        call(*args, **kwargs)
    assert caught.value.status == 422, caught.value.body
    status: dict[str, Any] = json.loads(caught.value.body)
    assert status["reason"] == "Invalid"
    return status


def test_rbac_names_may_contain_colons(cluster: Cluster) -> None:
    rbac = RbacAuthorizationV1Api(cluster.api_client)
    rbac.create_cluster_role({"metadata": {"name": "system:aggregate-to-view:butler"}, "rules": []})
    assert rbac.read_cluster_role("system:aggregate-to-view:butler").rules == []
    refused(rbac.create_cluster_role, {"metadata": {"name": "a%b"}, "rules": []})


def test_service_names_are_dns_1035_labels(cluster: Cluster) -> None:
    refused(cluster.core.create_namespaced_service, "default", {"metadata": {"name": "1st"}, "spec": {}})
    refused(cluster.core.create_namespaced_service, "default", {"metadata": {"name": "a.b"}, "spec": {}})
    cluster.core.create_namespaced_service("default", {"metadata": {"name": "web"}, "spec": {}})


def test_namespace_names_are_labels(cluster: Cluster) -> None:
    refused(cluster.core.create_namespace, {"metadata": {"name": "a.b"}})


def test_crd_name_must_be_plural_dot_group(cluster: Cluster) -> None:
    from kubernetes.client import ApiextensionsV1Api

    from tests.emulator.test_crds_and_runner import WIDGET_CRD

    wrong = {**WIDGET_CRD, "metadata": {"name": "gadgets.example.com"}}
    status = refused(ApiextensionsV1Api(cluster.api_client).create_custom_resource_definition, wrong)
    assert "widgets.example.com" in status["message"]


def test_deployment_selector_is_immutable(cluster: Cluster) -> None:
    cluster.apps.create_namespaced_deployment("default", deployment("web"))
    patch = {"spec": {"selector": {"matchLabels": {"app": "other"}}}}
    status = refused(cluster.apps.patch_namespaced_deployment, "web", "default", patch)
    assert status["details"]["causes"][0]["field"] == "spec.selector"
    assert "field is immutable" in status["message"]


def test_statefulset_spec_is_mostly_immutable(cluster: Cluster) -> None:
    body = deployment("db")
    body["kind"] = "StatefulSet"
    body["spec"]["serviceName"] = "db"
    cluster.apps.create_namespaced_stateful_set("default", body)
    cluster.apps.patch_namespaced_stateful_set("db", "default", {"spec": {"replicas": 3}})
    status = refused(cluster.apps.patch_namespaced_stateful_set, "db", "default", {"spec": {"serviceName": "x"}})
    assert "updates to statefulset spec for fields other than" in status["message"]


def test_role_binding_role_ref_is_immutable(cluster: Cluster) -> None:
    rbac = RbacAuthorizationV1Api(cluster.api_client)
    ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}
    rbac.create_namespaced_role_binding("default", {"metadata": {"name": "rb"}, "roleRef": ref, "subjects": []})
    changed = {"roleRef": {**ref, "name": "writer"}}
    status = refused(rbac.patch_namespaced_role_binding, "rb", "default", changed)
    assert "cannot change roleRef" in status["message"]
    # Apply hits the same wall: a GitOps tool must delete and recreate.
    body = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "rb"},
        "roleRef": changed["roleRef"],
        "subjects": [],
    }
    refused(
        rbac.patch_namespaced_role_binding,
        "rb",
        "default",
        body,
        field_manager="gitops",
        force=True,
        _content_type="application/apply-patch+yaml",
    )


def test_immutable_configmaps(cluster: Cluster) -> None:
    cluster.core.create_namespaced_config_map("default", {**configmap("a", {"k": "v"}), "immutable": True})
    refused(cluster.core.patch_namespaced_config_map, "a", "default", {"data": {"k": "w"}})
    refused(cluster.core.patch_namespaced_config_map, "a", "default", {"immutable": False})
    labelled = cluster.core.patch_namespaced_config_map("a", "default", {"metadata": {"labels": {"x": "y"}}})
    assert labelled.metadata.labels == {"x": "y"}


def test_secret_type_is_immutable(cluster: Cluster) -> None:
    cluster.core.create_namespaced_secret("default", {"metadata": {"name": "s"}, "type": "Opaque"})
    refused(cluster.core.patch_namespaced_secret, "s", "default", {"type": "kubernetes.io/tls"})


def test_config_keys_and_secret_data_are_checked(cluster: Cluster) -> None:
    refused(cluster.core.create_namespaced_config_map, "default", configmap("a", {"bad key": "v"}))
    with pytest.raises(ApiException) as caught:
        cluster.core.create_namespaced_secret("default", {"metadata": {"name": "s"}, "data": {"k": "not base64!"}})
    assert caught.value.status == 400


def test_label_values_must_be_strings_and_annotation_keys_qualified(cluster: Cluster) -> None:
    code, status = cluster.raw(
        "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "a", "labels": {"on": True}}}
    )
    assert code == 400 and status["reason"] == "BadRequest"
    refused(cluster.core.create_namespaced_config_map, "default", configmap("a", annotations={"bad key!": "v"}))
    long_value = {"app": "x" * 64}
    refused(cluster.core.create_namespaced_config_map, "default", configmap("a", labels=long_value))


def test_job_template_is_immutable(cluster: Cluster) -> None:
    template = {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1"}]}}
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once"}, "spec": {"template": template}}
    code, _ = cluster.raw("POST", "/apis/batch/v1/namespaces/default/jobs", job)
    assert code == 201
    changed = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox:2"}]}}}}
    code, status = cluster.raw(
        "PATCH", "/apis/batch/v1/namespaces/default/jobs/once", changed, "application/strategic-merge-patch+json"
    )
    assert code == 422 and status["details"]["causes"][0]["field"] == "spec.template"


def test_malformed_bodies_are_400_not_internal_errors(cluster: Cluster) -> None:
    collection = "/api/v1/namespaces/default/configmaps"
    for body in [
        [1, 2],
        {"metadata": "x"},
        {"metadata": {"name": "a", "labels": "x"}},
        {"metadata": {"name": "a", "finalizers": "x"}},
        {"metadata": {"name": "a", "ownerReferences": ["x"]}},
        {"metadata": {"name": "a"}, "data": ["x"]},
    ]:
        code, status = cluster.raw("POST", collection, body)
        assert code == 400 and status["reason"] == "BadRequest", body
    code, _ = cluster.raw("POST", collection, b"{not json")
    assert code == 400
    code, _ = cluster.raw("GET", collection + "?watch=1&resourceVersion=abc")
    assert code == 400


def test_crds_must_be_servable(cluster: Cluster) -> None:
    crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    broken = {
        "metadata": {"name": "xs.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"plural": "xs", "kind": "X"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": True, "storage": False}],
        },
    }
    code, status = cluster.raw("POST", crds, broken)
    assert code == 422 and "exactly one version marked as storage version" in status["message"]
    code, _ = cluster.raw("POST", crds, {"metadata": {"name": "xs.example.com"}})
    assert code == 422
    assert cluster.raw("GET", crds)[1]["items"] == []
