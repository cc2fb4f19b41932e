"""The semantics of the Kubernetes API verbs over the store: what a real kube-apiserver would answer.

Handlers take already-routed arguments and return (HTTP status, body) or raise ApiError; HTTP parsing,
watch streaming and discovery live in server.py and discovery.py.
"""

from __future__ import annotations

import base64
import copy
import datetime
import json
import random
import re
import string
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from . import errors, managed_fields, patches
from .errors import ApiError
from .resources import ResourceRegistry, ResourceType, resource_types_from_crd
from .selectors import SelectorError, fields_match, labels_match, parse_field_selector, parse_label_selector
from .store import Store, StoredObject, WatchEvent

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
PROTECTED_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})
APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"

_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


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


class Api:
    def __init__(self, registry: ResourceRegistry) -> None:
        self.registry = registry
        self.store = Store()
        self.store.listeners.append(self._follow_crds)
        namespaces = self._resource("", "namespaces")
        for name in INITIAL_NAMESPACES:
            self.create(
                Target(namespaces, None, None),
                {"metadata": {"name": name}},
                WriteOptions("kube-apiserver", dry_run=False),
            )

    # ----- helpers

    def _resource(self, group: str, plural: str) -> ResourceType:
        for resource_type in self.registry.all():
            if resource_type.group == group and resource_type.plural == plural:
                return resource_type
        raise KeyError((group, plural))

    def _not_found(self, target: Target, name: str) -> ApiError:
        rt = target.resource
        return errors.not_found(rt.group_resource, name, rt.group, rt.plural)

    def _list_keys(self, rt: ResourceType) -> managed_fields.ListKeys:
        return rt.list_keys

    def _check_kind(self, rt: ResourceType, body: Mapping[str, Any]) -> None:
        kind, api_version = body.get("kind"), body.get("apiVersion")
        if not kind and not rt.builtin:
            raise errors.bad_request(f"Object 'Kind' is missing in '{json.dumps(body, separators=(',', ':'))}'")
        if kind and kind != rt.kind:
            raise errors.bad_request(f"the kind of the object ({kind}) does not match the kind on the URL ({rt.kind})")
        if api_version and api_version != rt.api_version:
            api_group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
            if api_group != rt.group:
                raise errors.bad_request(
                    f"the API version in the data ({api_version}) does not match the expected API version "
                    f"({rt.api_version})"
                )

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

    def _validate(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        metadata = obj["metadata"]
        name = str(metadata.get("name") or "")
        causes: list[tuple[str, str, str]] = []
        pattern_ok = _LABEL_RE.match(name) if rt.kind == "Namespace" else _SUBDOMAIN_RE.match(name)
        limit = 63 if rt.kind == "Namespace" else 253
        if not pattern_ok or len(name) > limit:
            what = "RFC 1123 label" if rt.kind == "Namespace" else "RFC 1123 subdomain"
            causes.append(
                (
                    "metadata.name",
                    "FieldValueInvalid",
                    f'Invalid value: "{name}": a lowercase {what} must consist of lower case '
                    f"alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                    f"character",
                )
            )
        for key, value in (metadata.get("labels") or {}).items():
            if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE_RE.match(value):
                causes.append(
                    (
                        "metadata.labels",
                        "FieldValueInvalid",
                        f'Invalid value: "{value}": a valid label must be an empty string or consist of '
                        f"alphanumeric characters, '-', '_' or '.'",
                    )
                )
            if not self._valid_qualified_name(key):
                causes.append(
                    (
                        "metadata.labels",
                        "FieldValueInvalid",
                        f"Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.'",
                    )
                )
        for key, value in (metadata.get("annotations") or {}).items():
            if not isinstance(value, str):
                raise errors.bad_request(f"annotation {key} must be a string")
        if rt.kind in ("ConfigMap", "Secret"):
            for key in obj.get("data") or {}:
                if not re.match(r"^[-._a-zA-Z0-9]+$", key):
                    causes.append(
                        (
                            f"data[{key}]",
                            "FieldValueInvalid",
                            f'Invalid value: "{key}": a valid config '
                            "key must consist of alphanumeric characters, '-', '_' or '.'",
                        )
                    )
            for key, value in (obj.get("data") or {}).items():
                if not isinstance(value, str):
                    raise errors.bad_request(
                        f"json: cannot unmarshal {type(value).__name__} into Go struct field "
                        f"{rt.kind}.data of type string ({key})"
                    )
            if rt.kind == "Secret":
                for key, value in (obj.get("data") or {}).items():
                    try:
                        base64.b64decode(value, validate=True)
                    except ValueError:
                        raise errors.bad_request(f"illegal base64 data in Secret data key {key}") from None
        if causes:
            raise errors.invalid(rt.kind, name, rt.group, causes)

    @staticmethod
    def _valid_qualified_name(key: str) -> bool:
        prefix, _, name = key.rpartition("/")
        if prefix and (len(prefix) > 253 or not _SUBDOMAIN_RE.match(prefix)):
            return False
        return bool(name) and len(name) <= 63 and bool(_QUALIFIED_NAME_RE.match(name))

    def _in_scope(self, rt: ResourceType, subresource: str) -> Callable[[managed_fields.Path], bool]:
        if subresource == "status":
            return lambda path: path[:1] == ("f:status",)
        if rt.has_status:
            return lambda path: path[:1] != ("f:status",)
        return lambda path: True

    def _render(self, stored: StoredObject) -> dict[str, Any]:
        return copy.deepcopy(stored.body)

    # ----- reads

    def get(self, target: Target) -> dict[str, Any]:
        assert target.name is not None
        stored = self.store.get(target.key, target.namespace or "", target.name)
        if stored is None:
            raise self._not_found(target, target.name)
        return self._render(stored)

    def matching(self, target: Target, query: Mapping[str, str]) -> list[StoredObject]:
        try:
            labels = parse_label_selector(query.get("labelSelector", ""))
            fields = parse_field_selector(query.get("fieldSelector", ""), target.resource.kind)
        except SelectorError as e:
            raise errors.bad_request(str(e)) from None
        return [
            stored
            for stored in self.store.list(target.key, target.namespace)
            if labels_match(labels, stored.body["metadata"].get("labels")) and fields_match(fields, stored.body)
        ]

    def selector_predicate(self, target: Target, query: Mapping[str, str]) -> Callable[[dict[str, Any]], bool]:
        try:
            labels = parse_label_selector(query.get("labelSelector", ""))
            fields = parse_field_selector(query.get("fieldSelector", ""), target.resource.kind)
        except SelectorError as e:
            raise errors.bad_request(str(e)) from None

        def predicate(body: dict[str, Any]) -> bool:
            namespace_ok = target.namespace is None or body["metadata"].get("namespace") == target.namespace
            return namespace_ok and labels_match(labels, body["metadata"].get("labels")) and fields_match(fields, body)

        return predicate

    def list(self, target: Target, query: Mapping[str, str]) -> dict[str, Any]:
        rt = target.resource
        items = self.matching(target, query)
        list_resource_version = str(self.store.current_resource_version)
        start_after: tuple[str, str] | None = None
        if token := query.get("continue"):
            try:
                decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
                start_after = (decoded["start"][0], decoded["start"][1])
                list_resource_version = decoded["rv"]
            except (ValueError, KeyError, TypeError):
                raise errors.bad_request("continue key is not valid: the token could not be decoded") from None
            items = [s for s in items if (s.namespace, s.name) > start_after]
        metadata: dict[str, Any] = {"resourceVersion": list_resource_version}
        limit = int(query.get("limit") or 0)
        if limit > 0 and len(items) > limit:
            last = items[limit - 1]
            token_data = {"rv": list_resource_version, "start": [last.namespace, last.name]}
            metadata["continue"] = base64.urlsafe_b64encode(json.dumps(token_data).encode()).decode()
            metadata["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        rendered = []
        for stored in items:
            body = self._render(stored)
            if rt.builtin:
                # Typed lists of built-in kinds carry kind/apiVersion only on the list, not on items.
                body.pop("kind", None)
                body.pop("apiVersion", None)
            rendered.append(body)
        return {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": metadata, "items": rendered}

    def events_for_watch(self, target: Target, resource_version: str | None) -> list[WatchEvent]:
        """What a new watch sends first: synthetic ADDED events, or the history after a resourceVersion."""
        if resource_version in (None, "", "0"):
            return [
                WatchEvent(stored.resource_version, "ADDED", target.key, self._render(stored), None)
                for stored in self.store.list(target.key, target.namespace)
            ]
        try:
            since = int(resource_version or 0)
        except ValueError:
            raise errors.bad_request(f"invalid resource version: {resource_version}") from None
        events = self.store.events_since(target.key, since)
        if events is None:
            raise ApiError(
                410, f"too old resource version: {since} ({self.store.history[0].resource_version})", "Expired"
            )
        return events

    # ----- writes

    def create(self, target: Target, body: Any, options: WriteOptions) -> dict[str, Any]:
        rt = target.resource
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be a JSON object")
        self._check_kind(rt, body)
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
        self._validate(rt, obj)
        named = Target(rt, target.namespace, name, target.subresource)
        self._check_namespace_usable(named, namespace)
        if self.store.get(target.key, namespace, name) is not None:
            raise errors.already_exists(rt.group_resource, name, rt.group, rt.plural)
        self._initialise(rt, obj)
        entries = managed_fields.update(
            {},
            managed_fields.scoped_content(obj, "", rt.has_status),
            [],
            options.field_manager,
            rt.api_version,
            "",
            rt.list_keys,
            now_rfc3339(),
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

    def _initialise(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        """Server-set metadata and the little defaulting our kinds get on creation."""
        metadata = obj["metadata"]
        for server_field in (
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "deletionTimestamp",
            "generation",
            "managedFields",
            "selfLink",
            "deletionGracePeriodSeconds",
        ):
            metadata.pop(server_field, None)
        metadata["uid"] = str(uuid.uuid4())
        metadata["creationTimestamp"] = now_rfc3339()
        if rt.has_generation:
            metadata["generation"] = 1
        if rt.has_status:
            obj.pop("status", None)  # creation ignores status where status is a subresource
        if rt.kind == "Namespace":
            metadata.setdefault("labels", {})["kubernetes.io/metadata.name"] = metadata["name"]
            obj["spec"] = {"finalizers": ["kubernetes"]}
            obj["status"] = {"phase": "Active"}
        elif rt.kind == "Secret" and not obj.get("type"):
            obj["type"] = "Opaque"  # the real server's default, also for the empty string protobuf sends
        elif rt.kind == "CustomResourceDefinition":
            obj["status"] = self._crd_status(obj)

    @staticmethod
    def _crd_status(crd: dict[str, Any]) -> dict[str, Any]:
        now = now_rfc3339()
        spec = crd.get("spec") or {}
        conditions = [
            {
                "type": "NamesAccepted",
                "status": "True",
                "reason": "NoConflicts",
                "lastTransitionTime": now,
                "message": "no conflicts found",
            },
            {
                "type": "Established",
                "status": "True",
                "reason": "InitialNamesAccepted",
                "lastTransitionTime": now,
                "message": "the initial names have been accepted",
            },
        ]
        stored = [v.get("name") for v in spec.get("versions") or [] if v.get("storage")]
        return {"acceptedNames": spec.get("names") or {}, "conditions": conditions, "storedVersions": stored}

    def _insert(
        self, target: Target, obj: dict[str, Any], entries: list[managed_fields.ManagerEntry], options: WriteOptions
    ) -> dict[str, Any]:
        obj["metadata"]["managedFields"] = managed_fields.render_entries(entries)
        if options.dry_run:
            return obj
        obj["metadata"]["resourceVersion"] = self.store.next_resource_version()
        stored = StoredObject(obj, entries)
        self.store.save(target.key, stored, None)
        return self._render(stored)

    def _check_precondition_version(self, target: Target, stored: StoredObject, body: Mapping[str, Any]) -> None:
        wanted = (body.get("metadata") or {}).get("resourceVersion")
        if wanted and str(wanted) != stored.body["metadata"]["resourceVersion"]:
            rt = target.resource
            raise errors.stale_resource_version(rt.group_resource, stored.name, rt.group, rt.plural)

    def _existing(self, target: Target) -> StoredObject:
        assert target.name is not None
        stored = self.store.get(target.key, target.namespace or "", target.name)
        if stored is None:
            raise self._not_found(target, target.name)
        return stored

    def _check_body_identity(self, target: Target, body: Any) -> None:
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be a JSON object")
        self._check_kind(target.resource, body)
        metadata = body.get("metadata") or {}
        if metadata.get("name") and metadata["name"] != target.name:
            raise errors.bad_request(
                f"the name of the object ({metadata['name']}) does not match the name on the URL ({target.name})"
            )
        if target.resource.namespaced and metadata.get("namespace") and metadata["namespace"] != target.namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )

    def replace(self, target: Target, body: Any, options: WriteOptions) -> dict[str, Any]:
        self._check_body_identity(target, body)
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
        self._check_body_identity(target, patched)
        self._check_precondition_version(target, stored, patched)
        return 200, self._update(target, stored, patched, options)

    def _update(
        self, target: Target, stored: StoredObject, new: dict[str, Any], options: WriteOptions
    ) -> dict[str, Any]:
        rt = target.resource
        old = stored.body
        new = self._carry_server_fields(target, old, new)
        entries = managed_fields.update(
            managed_fields.scoped_content(old, target.subresource, rt.has_status),
            managed_fields.scoped_content(new, target.subresource, rt.has_status),
            stored.managers,
            options.field_manager,
            rt.api_version,
            target.subresource,
            rt.list_keys,
            now_rfc3339(),
            self._in_scope(rt, target.subresource),
        )
        return self._commit(target, stored, new, entries, options)

    def _carry_server_fields(self, target: Target, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        """What the client cannot change: server metadata, and spec or status depending on the endpoint."""
        rt = target.resource
        if target.subresource == "status":
            result = copy.deepcopy(old)
            if "status" in new:
                result["status"] = copy.deepcopy(new["status"])
            else:
                result.pop("status", None)
            return result
        new = copy.deepcopy(new)
        new["apiVersion"], new["kind"] = rt.api_version, rt.kind
        metadata = new.setdefault("metadata", {})
        old_metadata = old["metadata"]
        for server_field in (
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "name",
            "namespace",
        ):
            if server_field in old_metadata:
                metadata[server_field] = old_metadata[server_field]
            else:
                metadata.pop(server_field, None)
        metadata.pop("managedFields", None)
        metadata["resourceVersion"] = old_metadata["resourceVersion"]
        if rt.has_status:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        if rt.kind == "Namespace":
            new["spec"] = copy.deepcopy(old.get("spec") or {})
            metadata.setdefault("labels", {})["kubernetes.io/metadata.name"] = metadata["name"]
        if rt.kind == "Secret":
            new.setdefault("type", old.get("type", "Opaque"))
            if new["type"] != old.get("type", "Opaque"):
                raise errors.invalid(
                    rt.kind,
                    metadata["name"],
                    rt.group,
                    [("type", "FieldValueInvalid", "Invalid value: field is immutable")],
                )
        self._validate(rt, new)
        if old_metadata.get("deletionTimestamp"):
            added = set(metadata.get("finalizers") or []) - set(old_metadata.get("finalizers") or [])
            if added:
                raise errors.invalid(
                    rt.kind,
                    metadata["name"],
                    rt.group,
                    [
                        (
                            "metadata.finalizers",
                            "FieldValueForbidden",
                            "Forbidden: no new finalizers can be added if the object is being deleted",
                        )
                    ],
                )
        return new

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
        if rt.has_generation and self._spec_changed(old, new):
            new["metadata"]["generation"] = int(old["metadata"].get("generation") or 0) + 1
        new["metadata"]["managedFields"] = managed_fields.render_entries(entries)
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

    @staticmethod
    def _spec_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
        def content(body: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in body.items() if k not in ("metadata", "status", "apiVersion", "kind")}

        return content(old) != content(new)

    # ----- server-side apply

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
        self._check_body_identity(target, applied)
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
            self._validate(rt, merged)
            self._initialise(rt, merged)
            return 201, self._insert(target, merged, entries, options)
        self._check_precondition_version(target, stored, applied)
        live_content = managed_fields.scoped_content(stored.body, target.subresource, rt.has_status)
        try:
            merged, entries = managed_fields.apply(
                stored.body,
                applied_content,
                live_content,
                stored.managers,
                options.field_manager,
                rt.api_version,
                target.subresource,
                options.force,
                rt.list_keys,
                now,
            )
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
        new = self._carry_server_fields(target, stored.body, merged)
        return 200, self._commit(target, stored, new, entries, options)

    # ----- deletion

    def delete(self, target: Target, options: Mapping[str, Any], dry_run: bool) -> dict[str, Any]:
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
        # The last object of a terminating namespace lets the namespace itself go.
        if target.resource.namespaced:
            self._finish_namespace_if_empty(removed.namespace)

    def _empty_namespace(self, namespace: str) -> None:
        """Namespace deletion removes everything in it (finalizers still hold their objects)."""
        for resource_type in self.registry.all():
            if not resource_type.namespaced:
                continue
            for stored in self.store.list((resource_type.group, resource_type.plural), namespace):
                self._delete_stored(Target(resource_type, namespace, stored.name), stored, dry_run=False)

    def _finish_namespace_if_empty(self, namespace: str) -> None:
        stored = self.store.get(("", "namespaces"), "", namespace)
        if stored is None or not stored.body["metadata"].get("deletionTimestamp"):
            return
        for resource in self.store.resources():
            if resource != ("", "namespaces") and self.store.list(resource, namespace):
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

    # ----- CRDs make kinds appear and disappear

    def _follow_crds(self, event: WatchEvent) -> None:
        if event.resource != ("apiextensions.k8s.io", "customresourcedefinitions"):
            return
        spec = event.body.get("spec") or {}
        group, plural = spec.get("group") or "", (spec.get("names") or {}).get("plural") or ""
        if event.type == "DELETED":
            # The kind stops being served and its objects go with it, each with a DELETED event.
            self.registry.remove(group, plural)
            for stored in self.store.list((group, plural)):
                body = copy.deepcopy(stored.body)
                body["metadata"]["resourceVersion"] = self.store.next_resource_version()
                self.store.remove((group, plural), StoredObject(body, stored.managers))
            return
        self.registry.remove(group, plural)
        for resource_type in resource_types_from_crd(event.body):
            self.registry.add(resource_type)
