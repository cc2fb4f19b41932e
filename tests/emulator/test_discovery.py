from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.emulator.conftest import Cluster


def fetch(cluster: Cluster, path: str, method: str = "GET") -> tuple[int, Any]:
    request = urllib.request.Request(cluster.emulator.url + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.mark.parametrize("path", ["/version", "/version/"])
def test_version_with_and_without_trailing_slash(cluster: Cluster, path: str) -> None:
    status, body = fetch(cluster, path)
    assert status == 200
    assert body["major"] == "1" and body["gitVersion"].startswith("v1.")


def test_version_through_the_official_client(cluster: Cluster) -> None:
    import kubernetes

    info = kubernetes.client.VersionApi(cluster.api_client).get_code()
    assert info.git_version.startswith("v1.")


def test_core_group(cluster: Cluster) -> None:
    status, body = fetch(cluster, "/api")
    assert status == 200 and body["kind"] == "APIVersions" and body["versions"] == ["v1"]
    status, body = fetch(cluster, "/api/v1")
    assert body["groupVersion"] == "v1"
    by_name = {r["name"]: r for r in body["resources"]}
    assert {"namespaces", "configmaps", "secrets", "serviceaccounts", "services", "pods"} <= set(by_name)
    assert by_name["namespaces"]["namespaced"] is False
    assert by_name["configmaps"] == {
        "name": "configmaps",
        "singularName": "configmap",
        "namespaced": True,
        "kind": "ConfigMap",
        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        "shortNames": ["cm"],
    }
    assert by_name["pods/status"]["verbs"] == ["get", "patch", "update"]
    assert "configmaps/status" not in by_name


def test_group_list_and_group_versions(cluster: Cluster) -> None:
    status, body = fetch(cluster, "/apis")
    assert status == 200 and body["kind"] == "APIGroupList"
    groups = {g["name"]: g for g in body["groups"]}
    assert {"apps", "rbac.authorization.k8s.io", "coordination.k8s.io", "apiextensions.k8s.io"} <= set(groups)
    assert groups["butler.butlerlabs.dev"]["preferredVersion"]["groupVersion"] == "butler.butlerlabs.dev/v1alpha1"
    status, body = fetch(cluster, "/apis/apps")
    assert status == 200 and body["kind"] == "APIGroup"


EXPECTED_BUTLER = {
    "workspaces": ("Workspace", True, ["ws"], True),
    "workspacetemplates": ("WorkspaceTemplate", True, ["wst"], False),
    "tenantclusters": ("TenantCluster", True, ["tc"], True),
    "teams": ("Team", False, ["tm"], True),
    "users": ("User", False, ["usr"], True),
    "tenantaddons": ("TenantAddon", True, ["ta"], True),
}


def test_butler_kinds_have_upstream_names_and_scope(cluster: Cluster) -> None:
    status, body = fetch(cluster, "/apis/butler.butlerlabs.dev/v1alpha1")
    assert status == 200
    by_name = {r["name"]: r for r in body["resources"]}
    for plural, (kind, namespaced, short_names, has_status) in EXPECTED_BUTLER.items():
        assert by_name[plural]["kind"] == kind
        assert by_name[plural]["namespaced"] is namespaced
        assert by_name[plural]["shortNames"] == short_names
        assert by_name[plural]["singularName"] == kind.lower()
        assert (f"{plural}/status" in by_name) is has_status


def test_apps_rbac_coordination_apiextensions(cluster: Cluster) -> None:
    expectations = {
        "/apis/apps/v1": {"deployments": True, "daemonsets": True, "statefulsets": True},
        "/apis/rbac.authorization.k8s.io/v1": {
            "roles": True,
            "rolebindings": True,
            "clusterroles": False,
            "clusterrolebindings": False,
        },
        "/apis/coordination.k8s.io/v1": {"leases": True},
        "/apis/policy/v1": {"poddisruptionbudgets": True},
        "/apis/apiextensions.k8s.io/v1": {"customresourcedefinitions": False},
    }
    for path, resources in expectations.items():
        _, body = fetch(cluster, path)
        by_name = {r["name"]: r for r in body["resources"]}
        for name, namespaced in resources.items():
            assert by_name[name]["namespaced"] is namespaced, (path, name)


def test_unknown_paths_are_404_status(cluster: Cluster) -> None:
    for path in ["/apis/nothing.example.com/v1", "/api/v2", "/apis/apps/v1/widgets", "/nope"]:
        status, body = fetch(cluster, path)
        assert status == 404, path
        assert body["kind"] == "Status" and body["reason"] == "NotFound"


def test_discovery_is_read_only(cluster: Cluster) -> None:
    status, body = fetch(cluster, "/api/v1", method="POST")
    assert status == 405 and body["reason"] == "MethodNotAllowed"


def test_dynamic_client_discovers_every_kind(cluster: Cluster) -> None:
    dynamic = cluster.dynamic
    for api_version, kind, namespaced in [
        ("v1", "Namespace", False),
        ("v1", "ConfigMap", True),
        ("v1", "Secret", True),
        ("v1", "ServiceAccount", True),
        ("v1", "Service", True),
        ("v1", "Pod", True),
        ("apps/v1", "Deployment", True),
        ("apps/v1", "DaemonSet", True),
        ("apps/v1", "StatefulSet", True),
        ("rbac.authorization.k8s.io/v1", "Role", True),
        ("rbac.authorization.k8s.io/v1", "RoleBinding", True),
        ("rbac.authorization.k8s.io/v1", "ClusterRole", False),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", False),
        ("coordination.k8s.io/v1", "Lease", True),
        ("policy/v1", "PodDisruptionBudget", True),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition", False),
        ("butler.butlerlabs.dev/v1alpha1", "Workspace", True),
        ("butler.butlerlabs.dev/v1alpha1", "Team", False),
    ]:
        resource = dynamic.resources.get(api_version=api_version, kind=kind)
        assert resource.namespaced is namespaced, kind
    deployments = dynamic.resources.get(api_version="apps/v1", kind="Deployment")
    assert deployments.subresources["status"].kind == "Deployment"
    assert dynamic.resources.get(short_names=["ws"]).kind == "Workspace"


def test_kubectl_api_resources(cluster: Cluster) -> None:
    result = cluster.kubectl("api-resources", "-o", "wide")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert rows["workspaces"][1:5] == ["ws", "butler.butlerlabs.dev/v1alpha1", "true", "Workspace"]
    assert rows["teams"][1:5] == ["tm", "butler.butlerlabs.dev/v1alpha1", "false", "Team"]
    assert rows["deployments"][1:5] == ["deploy", "apps/v1", "true", "Deployment"]
    assert "clusterroles" in rows and "leases" in rows
    namespaced = cluster.kubectl("api-resources", "--namespaced=false", "-o", "name")
    assert "namespaces" in namespaced.stdout.split() and "configmaps" not in namespaced.stdout.split()
