"""Deletion: preconditions, finalizers, namespaces emptied before they go, ownerReference garbage
collection, deletecollection.

The real server does the namespace and garbage-collection work in controllers, a moment later; here it
happens before the response, which keeps tests deterministic.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from . import errors, managed_fields
from .base import PROTECTED_NAMESPACES, Target, now_rfc3339
from .errors import ApiError
from .reads import Reads
from .resources import ResourceType
from .store import StoredObject


class Deletion(Reads):
    def delete(
        self, target: Target, options: Mapping[str, Any], dry_run: bool, propagation: str = ""
    ) -> dict[str, Any]:
        stored = self._existing(target)
        rt = target.resource
        preconditions = options.get("preconditions") or {}
        uid, version = preconditions.get("uid"), preconditions.get("resourceVersion")
        metadata = stored.body["metadata"]
        if uid and uid != metadata["uid"]:
            raise errors.conflict(
                rt.group_resource,
                stored.name,
                rt.group,
                rt.plural,
                f"Precondition failed: UID in precondition: {uid}, UID in object meta: {metadata['uid']}",
            )
        if version and str(version) != metadata["resourceVersion"]:
            raise errors.conflict(
                rt.group_resource,
                stored.name,
                rt.group,
                rt.plural,
                f"Precondition failed: ResourceVersion in precondition: {version}, "
                f"ResourceVersion in object meta: {metadata['resourceVersion']}",
            )
        policy = propagation or str(options.get("propagationPolicy") or "")
        if options.get("orphanDependents") is True:
            policy = "Orphan"
        if policy == "Orphan" and not dry_run:
            self._orphan_dependents(metadata["uid"])
        return self._delete_stored(target, stored, dry_run)

    def _delete_stored(self, target: Target, stored: StoredObject, dry_run: bool) -> dict[str, Any]:
        rt = target.resource
        if rt.kind == "Namespace" and stored.name in PROTECTED_NAMESPACES:
            raise ApiError(
                403,
                f'namespaces "{stored.name}" is forbidden: this namespace may not be deleted',
                "Forbidden",
                {"name": stored.name, "kind": "namespaces"},
            )
        body = copy.deepcopy(stored.body)
        metadata = body["metadata"]
        holds = bool(metadata.get("finalizers")) or rt.kind == "Namespace"
        if holds:
            if metadata.get("deletionTimestamp"):
                return body  # already being deleted: nothing changes
            metadata["deletionTimestamp"] = now_rfc3339()
            metadata["deletionGracePeriodSeconds"] = 0
            if rt.has_generation:
                metadata["generation"] = int(metadata.get("generation") or 0) + 1
            if rt.kind == "Namespace":
                body["status"] = {**(body.get("status") or {}), "phase": "Terminating"}
            if dry_run:
                return body
            metadata["resourceVersion"] = self.store.next_resource_version()
            previous = stored.body
            marked = StoredObject(body, stored.managers)
            self.store.save(target.key, marked, copy.deepcopy(previous))
            if rt.kind == "Namespace":
                self._empty_namespace(marked.name)
                self._finish_namespace_if_empty(marked.name)
            return copy.deepcopy(marked.body)
        if dry_run:
            return self._deleted_status(rt, body)
        metadata["resourceVersion"] = self.store.next_resource_version()
        removed = StoredObject(body, stored.managers)
        self.store.remove(target.key, removed)
        self._after_removal(target, removed)
        if rt.kind == "Pod":
            return body  # pods answer a delete with the object, like the real server
        return self._deleted_status(rt, body)

    @staticmethod
    def _deleted_status(rt: ResourceType, body: dict[str, Any]) -> dict[str, Any]:
        details: dict[str, Any] = {"name": body["metadata"]["name"], "kind": rt.plural, "uid": body["metadata"]["uid"]}
        if rt.group:
            details["group"] = rt.group
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}

    def _after_removal(self, target: Target, removed: StoredObject) -> None:
        # Dependents go with their owner (background propagation), unless they were orphaned.
        self._collect_dependents(removed.body["metadata"]["uid"])
        # The last object of a terminating namespace lets the namespace itself go.
        if target.resource.namespaced:
            self._finish_namespace_if_empty(removed.namespace)

    def _dependents(self, owner_uid: str) -> list[tuple[ResourceType, StoredObject]]:
        found: list[tuple[ResourceType, StoredObject]] = []
        seen: set[tuple[str, str]] = set()
        for resource_type in self.registry.all():
            key = (resource_type.group, resource_type.plural)
            if key in seen:
                continue
            seen.add(key)
            for stored in self.store.objects(key):
                references = stored.body["metadata"].get("ownerReferences") or []
                if any(isinstance(ref, dict) and ref.get("uid") == owner_uid for ref in references):
                    found.append((resource_type, stored))
        return found

    def _collect_dependents(self, owner_uid: str) -> None:
        for resource_type, stored in self._dependents(owner_uid):
            current = self.store.get((resource_type.group, resource_type.plural), stored.namespace, stored.name)
            if current is not None:
                target = Target(resource_type, current.namespace or None, current.name)
                self._delete_stored(target, current, dry_run=False)

    def _orphan_dependents(self, owner_uid: str) -> None:
        for resource_type, stored in self._dependents(owner_uid):
            body = copy.deepcopy(stored.body)
            metadata = body["metadata"]
            metadata["ownerReferences"] = [r for r in metadata["ownerReferences"] if r.get("uid") != owner_uid]
            if not metadata["ownerReferences"]:
                del metadata["ownerReferences"]
            # The garbage collector's own update: the removed references lose their owners.
            entries = managed_fields.update(
                managed_fields.scoped_content(stored.body, "", resource_type.has_status),
                managed_fields.scoped_content(body, "", resource_type.has_status),
                stored.managers,
                "kube-controller-manager",
                resource_type.api_version,
                "",
                resource_type.list_keys,
                now_rfc3339(),
            )
            managed_fields.set_managed_fields(metadata, entries)
            metadata["resourceVersion"] = self.store.next_resource_version()
            key = (resource_type.group, resource_type.plural)
            self.store.save(key, StoredObject(body, entries), copy.deepcopy(stored.body))

    def _empty_namespace(self, namespace: str) -> None:
        """Namespace deletion removes everything in it (finalizers still hold their objects)."""
        for resource_type in self.registry.all():
            if not resource_type.namespaced:
                continue
            for stored in self.store.objects((resource_type.group, resource_type.plural), namespace):
                self._delete_stored(Target(resource_type, namespace, stored.name), stored, dry_run=False)

    def _finish_namespace_if_empty(self, namespace: str) -> None:
        stored = self.store.get(("", "namespaces"), "", namespace)
        if stored is None or not stored.body["metadata"].get("deletionTimestamp"):
            return
        for resource in self.store.resources():
            if resource != ("", "namespaces") and self.store.objects(resource, namespace):
                return
        body = copy.deepcopy(stored.body)
        body["metadata"]["resourceVersion"] = self.store.next_resource_version()
        body["spec"] = {}  # the "kubernetes" finalizer is what the namespace controller removes at the end
        self.store.remove(("", "namespaces"), StoredObject(body, stored.managers))

    def delete_collection(self, target: Target, query: Mapping[str, str], dry_run: bool) -> dict[str, Any]:
        rt = target.resource
        deleted = []
        for stored in self.matching(target, query):
            self._delete_stored(Target(rt, stored.namespace or None, stored.name), stored, dry_run)
            body = copy.deepcopy(stored.body)
            if rt.builtin:
                body.pop("kind", None)
                body.pop("apiVersion", None)
            deleted.append(body)
        metadata = {"resourceVersion": str(self.store.current_resource_version)}
        return {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": metadata, "items": deleted}
