"""Discovery documents (/version, /api, /apis, /apis/<group>/<version>) built from the registry."""

from __future__ import annotations

from typing import Any

from .resources import ResourceRegistry, ResourceType

KUBERNETES_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4",
    "gitCommit": "kube-emulator",
    "gitTreeState": "clean",
    "buildDate": "2025-04-22T00:00:00Z",
    "goVersion": "go1.23.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def version() -> dict[str, Any]:
    return dict(KUBERNETES_VERSION)


def core_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _preferred(versions: list[str]) -> str:
    # The newest stable version is preferred, as the real server orders them (v1 > v1beta1 > v1alpha1).
    def rank(version: str) -> tuple[int, int, int]:
        stability = 2 if version.rstrip("0123456789").endswith("v") else (1 if "beta" in version else 0)
        number = int("".join(c for c in version.split("alpha")[0].split("beta")[0] if c.isdigit()) or 0)
        return (stability, number, 0)

    return sorted(versions, key=rank, reverse=True)[0]


def group_list(registry: ResourceRegistry) -> dict[str, Any]:
    groups = []
    for group, versions in sorted(registry.group_versions().items()):
        if not group:
            continue
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        preferred = _preferred(versions)
        groups.append(
            {
                "name": group,
                "versions": entries,
                "preferredVersion": {"groupVersion": f"{group}/{preferred}", "version": preferred},
            }
        )
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(registry: ResourceRegistry, name: str) -> dict[str, Any] | None:
    for entry in group_list(registry)["groups"]:
        if entry["name"] == name:
            return {"kind": "APIGroup", "apiVersion": "v1", **entry}
    return None


def _resource_entries(resource_type: ResourceType) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": resource_type.plural,
        "singularName": resource_type.singular,
        "namespaced": resource_type.namespaced,
        "kind": resource_type.kind,
        "verbs": list(resource_type.verbs),
    }
    if resource_type.short_names:
        main["shortNames"] = list(resource_type.short_names)
    if resource_type.categories:
        main["categories"] = list(resource_type.categories)
    entries = [main]
    if resource_type.has_status:
        entries.append(
            {
                "name": f"{resource_type.plural}/status",
                "singularName": "",
                "namespaced": resource_type.namespaced,
                "kind": resource_type.kind,
                "verbs": ["get", "patch", "update"],
            }
        )
    return entries


def resource_list(registry: ResourceRegistry, group_name: str, version_name: str) -> dict[str, Any] | None:
    types = registry.in_group_version(group_name, version_name)
    if not types:
        return None
    group_version = f"{group_name}/{version_name}" if group_name else version_name
    resources = [entry for rt in sorted(types, key=lambda t: t.plural) for entry in _resource_entries(rt)]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}
