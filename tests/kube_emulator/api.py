"""The semantics of the Kubernetes API verbs over the store: what a real kube-apiserver would answer.

Verbs take already-routed arguments and return bodies or raise ApiError; HTTP parsing, watch streaming and
discovery live in server.py and discovery.py. Reads and deletion are in reads.py and deletion.py.
"""

from __future__ import annotations

import copy
import json
import random
import string
from typing import Any

import yaml

from . import errors, last_applied, managed_fields, patches
from .base import (
    APPLY_PATCH,
    INITIAL_NAMESPACES,
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_PATCH,
    Target,
    WriteOptions,
    default_field_manager,
    now_rfc3339,
)
from .deletion import Deletion
from .errors import ApiError
from .resources import ResourceRegistry, resource_types_from_crd
from .server_fields import carry_server_fields, initialise, spec_changed
from .store import StoredObject, WatchEvent
from .validation import check_body_identity, check_kind, validate_object

__all__ = ["Api", "Target", "WriteOptions", "default_field_manager"]


def reject_resource_version_on_create(metadata: dict[str, Any]) -> None:
    """The storage layer refuses it (as a 500, not a 400): it usually means an object was copied from a read."""
    try:
        version = int(str(metadata.get("resourceVersion") or "0"))
    except ValueError:
        return  # an unparseable version is ignored by the real server too (kubernetes#113847)
    if version != 0:
        raise ApiError(500, "resourceVersion should not be set on objects to be created", "InternalError")


class Api(Deletion):
    def __init__(self, registry: ResourceRegistry) -> None:
        super().__init__(registry)
        self.store.listeners.append(self._follow_crds)
        namespaces = self._resource("", "namespaces")
        for name in INITIAL_NAMESPACES:
            self.create(
                Target(namespaces, None, None),
                {"metadata": {"name": name}},
                WriteOptions("kube-apiserver", dry_run=False),
            )

    def create(self, target: Target, body: Any, options: WriteOptions) -> dict[str, Any]:
        rt = target.resource
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be a JSON object")
        check_kind(rt, body)
        obj = copy.deepcopy(body)
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        metadata = obj.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            raise errors.bad_request("metadata must be an object")
        if not metadata.get("name") and metadata.get("generateName"):
            suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
            metadata["name"] = f"{metadata['generateName']}{suffix}"
        name = metadata.get("name")
        if not name:
            raise errors.invalid(
                rt.kind,
                "",
                rt.group,
                [("metadata.name", "FieldValueRequired", "Required value: name or generateName is required")],
            )
        namespace = self._resolve_namespace(target, metadata)
        validate_object(rt, obj)
        named = Target(rt, target.namespace, name, target.subresource)
        self._check_namespace_usable(named, namespace)
        if self.store.get(target.key, namespace, name) is not None:
            raise errors.already_exists(rt.group_resource, name, rt.group, rt.plural)
        reject_resource_version_on_create(metadata)
        initialise(rt, obj)
        entries = managed_fields.update(
            {},
            managed_fields.scoped_content(obj, "", rt.has_status),
            [],
            options.field_manager,
            rt.api_version,
            "",
            rt.list_keys,
            now_rfc3339(),
            is_map=rt.is_map_field,
        )
        return self._insert(target, obj, entries, options)

    def _resolve_namespace(self, target: Target, metadata: dict[str, Any]) -> str:
        if not target.resource.namespaced:
            metadata.pop("namespace", None)
            return ""
        body_namespace = metadata.get("namespace")
        if body_namespace and target.namespace and body_namespace != target.namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )
        namespace = target.namespace or body_namespace
        if not namespace:
            raise errors.bad_request("the namespace of the object is missing")
        metadata["namespace"] = namespace
        return str(namespace)

    def _insert(
        self, target: Target, obj: dict[str, Any], entries: list[managed_fields.ManagerEntry], options: WriteOptions
    ) -> dict[str, Any]:
        managed_fields.set_managed_fields(obj["metadata"], entries)
        if options.dry_run:
            return obj
        obj["metadata"]["resourceVersion"] = self.store.next_resource_version()
        stored = StoredObject(obj, entries)
        self.store.save(target.key, stored, None)
        return self._render(stored)

    def replace(self, target: Target, body: Any, options: WriteOptions) -> dict[str, Any]:
        check_body_identity(target, body)
        stored = self._existing(target)
        if not (body.get("metadata") or {}).get("resourceVersion") and not target.resource.builtin:
            rt = target.resource
            cause = (
                "metadata.resourceVersion",
                "FieldValueInvalid",
                "Invalid value: 0x0: must be specified for an update",
            )
            raise errors.invalid(rt.kind, stored.name, rt.group, [cause])
        self._check_precondition_version(target, stored, body)
        return self._update(target, stored, copy.deepcopy(body), options)

    def patch(self, target: Target, raw: bytes, content_type: str, options: WriteOptions) -> tuple[int, dict[str, Any]]:
        media_type = content_type.split(";")[0].strip().lower()
        if media_type == APPLY_PATCH:
            return self.apply(target, raw, options)
        if media_type not in (MERGE_PATCH, JSON_PATCH, STRATEGIC_PATCH):
            raise errors.unsupported_media_type(media_type)
        if options.force:
            raise errors.bad_request("force is only supported for apply requests (application/apply-patch+yaml)")
        try:
            document = json.loads(raw or b"null")
        except ValueError as e:
            raise errors.bad_request(f"error decoding patch: {e}") from None
        stored = self._existing(target)
        current = self._render(stored)
        try:
            if media_type == MERGE_PATCH:
                if not isinstance(document, dict):
                    raise errors.bad_request("a merge patch must be a JSON object")
                patched = patches.merge_patch(current, document)
            elif media_type == STRATEGIC_PATCH:
                if not target.resource.builtin:
                    raise errors.unsupported_media_type(media_type)  # as for real custom resources
                if not isinstance(document, dict):
                    raise errors.bad_request("a strategic merge patch must be a JSON object")
                patched = patches.strategic_merge_patch(current, document, target.resource.list_keys)
            else:
                patched = patches.json_patch(current, document)
        except patches.PatchError as e:
            raise ApiError(
                422, f"the server rejected our request due to an error in our request: {e}", "Invalid"
            ) from None
        if not isinstance(patched, dict):
            raise errors.bad_request("the patch produced something other than an object")
        check_body_identity(target, patched)
        self._check_precondition_version(target, stored, patched)
        return 200, self._update(target, stored, patched, options)

    def _update(
        self, target: Target, stored: StoredObject, new: dict[str, Any], options: WriteOptions
    ) -> dict[str, Any]:
        rt = target.resource
        old = stored.body
        # Like the real server, an update may rewrite managedFields itself (kubectl does so to migrate from
        # client-side apply); the status endpoint ignores such attempts.
        requested = (new.get("metadata") or {}).get("managedFields")
        base = stored.managers if target.subresource else managed_fields.requested_entries(requested, stored.managers)
        new = carry_server_fields(target, old, new)
        entries = managed_fields.update(
            managed_fields.scoped_content(old, target.subresource, rt.has_status),
            managed_fields.scoped_content(new, target.subresource, rt.has_status),
            base,
            options.field_manager,
            rt.api_version,
            target.subresource,
            rt.list_keys,
            now_rfc3339(),
            self._in_scope(rt, target.subresource),
            rt.is_map_field,
        )
        return self._commit(target, stored, new, entries, options)

    def _commit(
        self,
        target: Target,
        stored: StoredObject,
        new: dict[str, Any],
        entries: list[managed_fields.ManagerEntry],
        options: WriteOptions,
    ) -> dict[str, Any]:
        rt = target.resource
        old = stored.body

        def comparable(body: dict[str, Any]) -> dict[str, Any]:
            result = copy.deepcopy(body)
            result["metadata"].pop("managedFields", None)
            result["metadata"].pop("resourceVersion", None)
            return result

        if comparable(old) == comparable(new) and managed_fields.same_ownership(stored.managers, entries):
            return self._render(stored)  # a no-op write is not a write: same resourceVersion, no event
        if rt.has_generation and spec_changed(rt, old, new):
            new["metadata"]["generation"] = int(old["metadata"].get("generation") or 0) + 1
        managed_fields.set_managed_fields(new["metadata"], entries)
        if options.dry_run:
            return copy.deepcopy(new)
        new["metadata"]["resourceVersion"] = self.store.next_resource_version()
        updated = StoredObject(new, entries)
        if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            self.store.remove(target.key, updated)  # the last finalizer is gone: deletion completes
            self._after_removal(target, updated)
        else:
            self.store.save(target.key, updated, copy.deepcopy(old))
        return copy.deepcopy(new)

    def apply(self, target: Target, raw: bytes, options: WriteOptions) -> tuple[int, dict[str, Any]]:
        rt = target.resource
        if not options.field_manager:
            raise errors.bad_request("PATCH requests with an apply patch type require fieldManager to be set")
        try:
            applied = yaml.safe_load(raw.decode() or "null")
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise errors.bad_request(f"error decoding YAML: {e}") from None
        if not isinstance(applied, dict):
            raise errors.bad_request("an apply patch must be a YAML or JSON object")
        if not applied.get("apiVersion") or not applied.get("kind"):
            raise errors.bad_request("apiVersion and kind must be set in an applied configuration")
        check_body_identity(target, applied)
        if (applied.get("metadata") or {}).get("managedFields") is not None:
            raise errors.bad_request("metadata.managedFields must be nil")
        metadata = applied.setdefault("metadata", {}) or {}
        applied["metadata"] = metadata
        metadata.setdefault("name", target.name)
        now = now_rfc3339()
        stored = self.store.get(target.key, target.namespace or "", target.name or "")
        applied_content = managed_fields.scoped_content(applied, target.subresource, rt.has_status)
        if stored is None:
            if target.subresource:
                raise self._not_found(target, target.name or "")
            obj: dict[str, Any] = {"apiVersion": rt.api_version, "kind": rt.kind, "metadata": {"name": target.name}}
            namespace = self._resolve_namespace(target, obj["metadata"])
            self._check_namespace_usable(target, namespace)
            reject_resource_version_on_create(metadata)
            merged, entries = managed_fields.apply(
                obj,
                applied_content,
                {},
                [],
                options.field_manager,
                rt.api_version,
                "",
                options.force,
                rt.list_keys,
                now,
            )
            validate_object(rt, merged)
            initialise(rt, merged)
            return 201, self._insert(target, merged, entries, options)
        self._check_precondition_version(target, stored, applied)
        try:
            merged, entries = self._merge_applied(target, stored, applied_content, options, now)
        except managed_fields.ApplyConflictError as e:
            causes = [
                {
                    "type": "FieldManagerConflict",
                    "message": f"conflict with {c.describe_manager()}",
                    "field": managed_fields.path_to_string(c.path),
                }
                for c in e.conflicts
            ]
            raise ApiError(409, e.message(), "Conflict", {"causes": causes}) from None
        if options.field_manager == last_applied.KUBECTL and not target.subresource:
            merged = last_applied.synchronised(merged, applied)
        new = carry_server_fields(target, stored.body, merged)
        return 200, self._commit(target, stored, new, entries, options)

    def _merge_applied(
        self,
        target: Target,
        stored: StoredObject,
        applied_content: dict[str, Any],
        options: WriteOptions,
        now: str,
    ) -> tuple[dict[str, Any], list[managed_fields.ManagerEntry]]:
        rt = target.resource
        live_content = managed_fields.scoped_content(stored.body, target.subresource, rt.has_status)

        def merge(force: bool) -> tuple[dict[str, Any], list[managed_fields.ManagerEntry]]:
            return managed_fields.apply(
                stored.body,
                applied_content,
                live_content,
                stored.managers,
                options.field_manager,
                rt.api_version,
                target.subresource,
                force,
                rt.list_keys,
                now,
            )

        try:
            return merge(options.force)
        except managed_fields.ApplyConflictError as e:
            if options.field_manager != last_applied.KUBECTL:
                raise
            # kubectl taking over from its own client-side apply: conflicts on what it applied before are
            # forgiven (and the apply forced); any other conflict stands.
            forgiven = last_applied.forgiven_conflicts(stored.body, target.subresource, rt.has_status, rt.list_keys)
            remaining = [conflict for conflict in e.conflicts if conflict.path not in forgiven]
            if remaining:
                raise managed_fields.ApplyConflictError(remaining) from None
            return merge(True)

    def _follow_crds(self, event: WatchEvent) -> None:
        if event.resource != ("apiextensions.k8s.io", "customresourcedefinitions"):
            return
        spec = event.body.get("spec") or {}
        group, plural = spec.get("group") or "", (spec.get("names") or {}).get("plural") or ""
        if event.type == "DELETED":
            # The kind stops being served and its objects go with it, each with a DELETED event.
            self.registry.remove(group, plural)
            for stored in self.store.objects((group, plural)):
                body = copy.deepcopy(stored.body)
                body["metadata"]["resourceVersion"] = self.store.next_resource_version()
                self.store.remove((group, plural), StoredObject(body, stored.managers))
            return
        self.registry.remove(group, plural)
        for resource_type in resource_types_from_crd(event.body):
            self.registry.add(resource_type)
