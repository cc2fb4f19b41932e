"""Shared ground of the API verbs: what a request addresses, write options, the store and small helpers."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import errors, managed_fields
from .errors import ApiError
from .resources import ResourceRegistry, ResourceType
from .store import Store, StoredObject

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
PROTECTED_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})
APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"


def now_rfc3339() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Target:
    """What a request addresses: a resource type, a namespace (or None), a name (or None), a subresource."""

    resource: ResourceType
    namespace: str | None
    name: str | None
    subresource: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.resource.group, self.resource.plural)


@dataclass(frozen=True)
class WriteOptions:
    field_manager: str
    dry_run: bool
    force: bool = False


def default_field_manager(user_agent: str) -> str:
    """The real server names an anonymous writer after its User-Agent up to the first '/'."""
    return (user_agent.split("/")[0] or "unknown")[:128]


class ApiBase:
    """Registry and store, with the lookups every verb needs."""

    def __init__(self, registry: ResourceRegistry) -> None:
        self.registry = registry
        self.store = Store()

    def _resource(self, group: str, plural: str) -> ResourceType:
        for resource_type in self.registry.all():
            if resource_type.group == group and resource_type.plural == plural:
                return resource_type
        raise KeyError((group, plural))

    def _not_found(self, target: Target, name: str) -> ApiError:
        rt = target.resource
        return errors.not_found(rt.group_resource, name, rt.group, rt.plural)

    def _check_namespace_usable(self, target: Target, namespace: str) -> None:
        if not target.resource.namespaced:
            return
        stored = self.store.get(("", "namespaces"), "", namespace)
        if stored is None:
            raise errors.not_found("namespaces", namespace, "", "namespaces")
        if stored.body["metadata"].get("deletionTimestamp"):
            raise ApiError(
                403,
                f'{target.resource.plural} "{target.name or ""}" is forbidden: unable to create new content in '
                f"namespace {namespace} because it is being terminated",
                "Forbidden",
                {"name": target.name or "", "kind": target.resource.plural},
            )

    def _in_scope(self, rt: ResourceType, subresource: str) -> Callable[[managed_fields.Path], bool]:
        if subresource == "status":
            return lambda path: path[:1] == ("f:status",)
        if rt.has_status:
            return lambda path: path[:1] != ("f:status",)
        return lambda path: True

    def _render(self, stored: StoredObject) -> dict[str, Any]:
        return copy.deepcopy(stored.body)

    def _existing(self, target: Target) -> StoredObject:
        assert target.name is not None
        stored = self.store.get(target.key, target.namespace or "", target.name)
        if stored is None:
            raise self._not_found(target, target.name)
        return stored

    def _check_precondition_version(self, target: Target, stored: StoredObject, body: Mapping[str, Any]) -> None:
        wanted = (body.get("metadata") or {}).get("resourceVersion")
        if wanted and str(wanted) != stored.body["metadata"]["resourceVersion"]:
            rt = target.resource
            raise errors.stale_resource_version(rt.group_resource, stored.name, rt.group, rt.plural)
