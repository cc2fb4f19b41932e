"""What the real server rejects before storing: kind mismatches, invalid names, labels and data keys."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from . import errors
from .base import Target
from .resources import ResourceType

_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_DNS1035_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_CONFIG_KEY_RE = re.compile(r"^[-._a-zA-Z0-9]+$")
_QUALIFIED_RULE = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_LABEL_VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character"
)
_CONFIG_KEY_RULE = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"


def check_kind(rt: ResourceType, body: Mapping[str, Any]) -> None:
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


def check_body_identity(target: Target, body: Any) -> None:
    if not isinstance(body, dict):
        raise errors.bad_request("the body of the request must be a JSON object")
    check_kind(target.resource, body)
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise errors.bad_request(f"json: cannot unmarshal {_type_name(metadata)} into Go struct field .metadata")
    if metadata.get("name") and metadata["name"] != target.name:
        raise errors.bad_request(
            f"the name of the object ({metadata['name']}) does not match the name on the URL ({target.name})"
        )
    if target.resource.namespaced and metadata.get("namespace") and metadata["namespace"] != target.namespace:
        raise errors.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )


# ObjectMeta fields whose JSON type is fixed, with the Go type the decoding error names.
_METADATA_SHAPES: dict[str, tuple[type, str]] = {
    "labels": (dict, "map[string]string"),
    "annotations": (dict, "map[string]string"),
    "finalizers": (list, "[]string"),
    "ownerReferences": (list, "[]v1.OwnerReference"),
    "name": (str, "string"),
    "generateName": (str, "string"),
    "namespace": (str, "string"),
}


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "bool"}.get(type(value), "number")


def _check_decodable(rt: ResourceType, obj: dict[str, Any]) -> None:
    """Type errors the real server meets while decoding into Go structs: 400 BadRequest, not 422."""
    metadata = obj["metadata"]
    for field, (expected, go_type) in _METADATA_SHAPES.items():
        value = metadata.get(field)
        if value is not None and not isinstance(value, expected):
            raise errors.bad_request(
                f"json: cannot unmarshal {_type_name(value)} into Go struct field ObjectMeta.metadata.{field} "
                f"of type {go_type}"
            )
    if any(not isinstance(item, str) for item in metadata.get("finalizers") or []):
        raise errors.bad_request("json: cannot unmarshal into Go struct field ObjectMeta.metadata.finalizers")
    if any(not isinstance(item, dict) for item in metadata.get("ownerReferences") or []):
        raise errors.bad_request("json: cannot unmarshal into Go struct field ObjectMeta.metadata.ownerReferences")
    for field in ("data", "binaryData", "stringData"):
        if rt.kind in ("ConfigMap", "Secret") and obj.get(field) is not None and not isinstance(obj[field], dict):
            raise errors.bad_request(
                f"json: cannot unmarshal {_type_name(obj[field])} into Go struct field {rt.kind}.{field} "
                "of type map[string]string"
            )
    for field in ("labels", "annotations"):
        for key, value in (metadata.get(field) or {}).items():
            if not isinstance(value, str):
                raise errors.bad_request(
                    f"json: cannot unmarshal {type(value).__name__} into Go struct field "
                    f"ObjectMeta.metadata.{field} of type string ({key})"
                )
    if rt.kind in ("ConfigMap", "Secret"):
        for key, value in (obj.get("data") or {}).items():
            if not isinstance(value, str):
                raise errors.bad_request(
                    f"json: cannot unmarshal {type(value).__name__} into Go struct field "
                    f"{rt.kind}.data of type string ({key})"
                )
            if rt.kind == "Secret":
                try:
                    base64.b64decode(value, validate=True)
                except ValueError:
                    raise errors.bad_request(f"illegal base64 data in Secret data key {key}") from None


def validate_object(rt: ResourceType, obj: dict[str, Any]) -> None:
    """400 for what cannot be decoded, then 422 Invalid listing every invalid field, as the real server."""
    _check_decodable(rt, obj)
    metadata = obj["metadata"]
    name = str(metadata.get("name") or "")
    causes: list[tuple[str, str, str]] = []
    if problem := name_problem(rt, obj):
        causes.append(("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": {problem}'))
    for key, value in (metadata.get("labels") or {}).items():
        if not valid_qualified_name(key):
            causes.append(("metadata.labels", "FieldValueInvalid", f'Invalid value: "{key}": {_QUALIFIED_RULE}'))
        if len(value) > 63 or not _LABEL_VALUE_RE.match(value):
            causes.append(("metadata.labels", "FieldValueInvalid", f'Invalid value: "{value}": {_LABEL_VALUE_RULE}'))
    for key in metadata.get("annotations") or {}:
        if not valid_qualified_name(key):
            causes.append(("metadata.annotations", "FieldValueInvalid", f'Invalid value: "{key}": {_QUALIFIED_RULE}'))
    if rt.kind == "CustomResourceDefinition":
        causes.extend(crd_problems(obj))
    if rt.kind in ("ConfigMap", "Secret"):
        for key in obj.get("data") or {}:
            if not _CONFIG_KEY_RE.match(key):
                causes.append((f"data[{key}]", "FieldValueInvalid", f'Invalid value: "{key}": {_CONFIG_KEY_RULE}'))
    if causes:
        raise errors.invalid(rt.kind, name, rt.group, causes)


def valid_qualified_name(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _SUBDOMAIN_RE.match(prefix)):
        return False
    return bool(name) and len(name) <= 63 and bool(_QUALIFIED_NAME_RE.match(name))


_SUBDOMAIN_RULE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
_RBAC_KINDS = frozenset({"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"})


def name_problem(rt: ResourceType, obj: dict[str, Any]) -> str | None:
    """Why the real server would refuse this name for this kind (each kind has its own rule), or None."""
    name = str(obj["metadata"].get("name") or "")
    if rt.kind in _RBAC_KINDS:
        # RBAC names are path segments: "system:aggregate-to-view" is fine.
        if name in (".", "..") or "/" in name or "%" in name:
            return "may not contain '/' or '%' and may not be '.' or '..'"
        return None
    if rt.kind == "Namespace":
        if len(name) > 63 or not _LABEL_RE.match(name):
            return (
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
                "must start and end with an alphanumeric character"
            )
        return None
    if rt.kind == "Service":
        if len(name) > 63 or not _DNS1035_RE.match(name):
            return (
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                "alphabetic character, and end with an alphanumeric character"
            )
        return None
    if len(name) > 253 or not _SUBDOMAIN_RE.match(name):
        return _SUBDOMAIN_RULE
    if rt.kind == "CustomResourceDefinition":
        spec = obj.get("spec")
        names = spec.get("names") if isinstance(spec, dict) else None
        if isinstance(spec, dict) and isinstance(names, dict):
            expected = f"{names.get('plural', '')}.{spec.get('group', '')}"
            if name != expected:
                return f'must be spec.names.plural+"."+spec.group ({expected})'
    return None


def crd_problems(crd: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The structural checks of apiextensions validation that keep a CRD servable."""
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return [("spec", "FieldValueRequired", "Required value")]
    causes: list[tuple[str, str, str]] = []
    if not isinstance(spec.get("group"), str) or not spec["group"]:
        causes.append(("spec.group", "FieldValueRequired", "Required value"))
    names = spec.get("names")
    if not isinstance(names, dict):
        causes.append(("spec.names", "FieldValueRequired", "Required value"))
    else:
        for field in ("plural", "kind"):
            if not isinstance(names.get(field), str) or not names[field]:
                causes.append((f"spec.names.{field}", "FieldValueRequired", "Required value"))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        causes.append(
            ("spec.scope", "FieldValueNotSupported", 'Unsupported value: supported values: "Cluster", "Namespaced"')
        )
    versions = spec.get("versions")
    if not isinstance(versions, list) or not versions or not all(isinstance(v, dict) for v in versions):
        causes.append(
            (
                "spec.versions",
                "FieldValueInvalid",
                "Invalid value: must have exactly one version marked as storage version",
            )
        )
        return causes
    if sum(1 for version in versions if version.get("storage") is True) != 1:
        causes.append(
            (
                "spec.versions",
                "FieldValueInvalid",
                "Invalid value: must have exactly one version marked as storage version",
            )
        )
    for index, version in enumerate(versions):
        if not isinstance(version.get("name"), str) or not version["name"]:
            causes.append((f"spec.versions[{index}].name", "FieldValueRequired", "Required value"))
        if version.get("schema") is not None and not isinstance(version["schema"], dict):
            causes.append((f"spec.versions[{index}].schema", "FieldValueInvalid", "Invalid value: must be an object"))
        if version.get("subresources") is not None and not isinstance(version["subresources"], dict):
            causes.append(
                (f"spec.versions[{index}].subresources", "FieldValueInvalid", "Invalid value: must be an object")
            )
    return causes


_STATEFULSET_MUTABLE_SPEC = frozenset(
    {"replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"}
)


def check_immutable(rt: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Fields the real server refuses to change after creation (apply then has to delete and recreate)."""
    name = str(new["metadata"].get("name") or "")
    causes: list[tuple[str, str, str]] = []
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    if rt.kind in ("ConfigMap", "Secret") and old.get("immutable"):
        for field in ("data", "binaryData", "immutable"):
            if old.get(field) != new.get(field):
                causes.append((field, "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set"))
    if rt.kind in ("Deployment", "DaemonSet", "StatefulSet") and old_spec.get("selector") != new_spec.get("selector"):
        causes.append(("spec.selector", "FieldValueInvalid", "Invalid value: field is immutable"))
    if rt.kind == "Job":
        for field in ("selector", "template", "completionMode"):
            if field in old_spec and old_spec.get(field) != new_spec.get(field):
                causes.append((f"spec.{field}", "FieldValueInvalid", "Invalid value: field is immutable"))
    if rt.kind in ("ReplicaSet",) and old_spec.get("selector") != new_spec.get("selector"):
        causes.append(("spec.selector", "FieldValueInvalid", "Invalid value: field is immutable"))
    if rt.kind == "StatefulSet":
        changed = {k for k in set(old_spec) | set(new_spec) if old_spec.get(k) != new_spec.get(k)}
        if changed - _STATEFULSET_MUTABLE_SPEC - {"selector"}:
            causes.append(
                (
                    "spec",
                    "FieldValueForbidden",
                    "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                    "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' "
                    "are forbidden",
                )
            )
    if rt.kind in ("RoleBinding", "ClusterRoleBinding") and old.get("roleRef") != new.get("roleRef"):
        causes.append(("roleRef", "FieldValueInvalid", "Invalid value: cannot change roleRef"))
    if rt.kind == "Service":
        old_ip, new_ip = old_spec.get("clusterIP"), new_spec.get("clusterIP")
        if old_ip and new_ip and old_ip != new_ip:
            causes.append(("spec.clusterIPs[0]", "FieldValueInvalid", "Invalid value: field is immutable"))
    if rt.kind == "CustomResourceDefinition" and old_spec.get("scope") != new_spec.get("scope"):
        causes.append(("spec.scope", "FieldValueInvalid", "Invalid value: field is immutable"))
    if causes:
        raise errors.invalid(rt.kind, name, rt.group, causes)
