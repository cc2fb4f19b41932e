"""Fields the server owns: metadata it sets on creation, what writes cannot change, what counts as spec."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from . import errors
from .base import Target, now_rfc3339
from .resources import ResourceType
from .validation import check_immutable, validate_object


def initialise(rt: ResourceType, obj: dict[str, Any]) -> None:
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
        obj["status"] = crd_status(obj)


def crd_status(crd: dict[str, Any]) -> dict[str, Any]:
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


def carry_server_fields(target: Target, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
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
    validate_object(rt, new)
    check_immutable(rt, old, new)
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


def spec_changed(rt: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether a write counts for metadata.generation: anything but metadata, and status where it is a
    subresource (without one, a custom resource's status is just another field)."""
    ignored = {"metadata", "apiVersion", "kind"} | ({"status"} if rt.has_status else set())

    def content(body: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k not in ignored}

    return content(old) != content(new)
