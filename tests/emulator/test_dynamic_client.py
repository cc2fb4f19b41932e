"""The same behaviours through kubernetes.dynamic.DynamicClient, which the product may use for any kind."""

from __future__ import annotations

import pytest
from kubernetes.dynamic.exceptions import ConflictError, NotFoundError, UnprocessibleEntityError

from tests.emulator.conftest import Cluster

GROUP_VERSION = "butler.butlerlabs.dev/v1alpha1"


def workspace(name: str, **spec: object) -> dict[str, object]:
    return {"apiVersion": GROUP_VERSION, "kind": "Workspace", "metadata": {"name": name}, "spec": dict(spec)}


def test_create_get_replace_patch_delete(cluster: Cluster) -> None:
    workspaces = cluster.dynamic.resources.get(api_version=GROUP_VERSION, kind="Workspace")
    created = workspaces.create(body=workspace("w", owner="me"), namespace="default")
    assert created.metadata.generation == 1 and created.metadata.uid
    with pytest.raises(ConflictError):
        workspaces.create(body=workspace("w"), namespace="default")
    fetched = workspaces.get(name="w", namespace="default")
    body = fetched.to_dict()
    body["spec"]["owner"] = "you"
    replaced = workspaces.replace(body=body, namespace="default")
    assert replaced.spec.owner == "you" and replaced.metadata.generation == 2
    with pytest.raises(ConflictError):
        workspaces.replace(body=body, namespace="default")  # its resourceVersion is stale now
    patched = workspaces.patch(
        name="w", namespace="default", body={"spec": {"size": "large"}}, content_type="application/merge-patch+json"
    )
    assert patched.spec.size == "large" and patched.spec.owner == "you"
    workspaces.delete(name="w", namespace="default")
    with pytest.raises(NotFoundError):
        workspaces.get(name="w", namespace="default")


def test_status_subresource(cluster: Cluster) -> None:
    workspaces = cluster.dynamic.resources.get(api_version=GROUP_VERSION, kind="Workspace")
    workspaces.create(body=workspace("w"), namespace="default")
    status = workspaces.subresources["status"]
    status.patch(
        name="w", namespace="default", body={"status": {"phase": "Ready"}},
        content_type="application/merge-patch+json",
    )  # fmt: skip
    assert workspaces.get(name="w", namespace="default").status.phase == "Ready"


def test_invalid_body_and_dry_run(cluster: Cluster) -> None:
    teams = cluster.dynamic.resources.get(api_version=GROUP_VERSION, kind="Team")
    with pytest.raises(UnprocessibleEntityError):
        teams.create(body={"apiVersion": GROUP_VERSION, "kind": "Team", "metadata": {}})
    dry = teams.create(body={"apiVersion": GROUP_VERSION, "kind": "Team", "metadata": {"name": "t"}}, dry_run="All")
    assert dry.metadata.name == "t"
    assert teams.get().items == []


def test_list_with_selectors_and_delete_collection(cluster: Cluster) -> None:
    configmaps = cluster.dynamic.resources.get(api_version="v1", kind="ConfigMap")
    for name, tier in [("a", "front"), ("b", "back"), ("c", "back")]:
        configmaps.create(body={"metadata": {"name": name, "labels": {"tier": tier}}}, namespace="default")
    listing = configmaps.get(namespace="default", label_selector="tier=back", field_selector="metadata.name!=c")
    assert [item.metadata.name for item in listing.items] == ["b"]
    configmaps.delete(namespace="default", label_selector="tier=back")
    assert [item.metadata.name for item in configmaps.get(namespace="default").items] == ["a"]
