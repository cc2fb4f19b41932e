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
_QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


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
    if metadata.get("name") and metadata["name"] != target.name:
        raise errors.bad_request(
            f"the name of the object ({metadata['name']}) does not match the name on the URL ({target.name})"
        )
    if target.resource.namespaced and metadata.get("namespace") and metadata["namespace"] != target.namespace:
        raise errors.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )


def validate_object(rt: ResourceType, obj: dict[str, Any]) -> None:
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
        if not valid_qualified_name(key):
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


def valid_qualified_name(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _SUBDOMAIN_RE.match(prefix)):
        return False
    return bool(name) and len(name) <= 63 and bool(_QUALIFIED_NAME_RE.match(name))
