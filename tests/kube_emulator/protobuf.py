"""Decoding of the Kubernetes protobuf bodies kubectl sends for `kubectl create <kind>` generators.

kubectl's typed clients post `application/vnd.kubernetes.protobuf` (magic "k8s\\0" + runtime.Unknown).
Only the kinds those generators produce here are described; field numbers follow upstream generated.proto.
"""

from __future__ import annotations

import base64
from typing import Any

from .errors import ApiError

MAGIC = b"k8s\x00"

# Field number → (JSON name, type, repeated). Types: string, bytes, int, bool, a message name,
# or "map:string" / "map:bytes" (map<string, ...> entries with key=1, value=2).
Schema = dict[int, tuple[str, str, bool]]
SCHEMAS: dict[str, Schema] = {
    "ObjectMeta": {
        1: ("name", "string", False),
        2: ("generateName", "string", False),
        3: ("namespace", "string", False),
        5: ("uid", "string", False),
        6: ("resourceVersion", "string", False),
        7: ("generation", "int", False),
        11: ("labels", "map:string", False),
        12: ("annotations", "map:string", False),
        13: ("ownerReferences", "OwnerReference", True),
        14: ("finalizers", "string", True),
    },
    "OwnerReference": {
        1: ("kind", "string", False),
        3: ("name", "string", False),
        4: ("uid", "string", False),
        5: ("apiVersion", "string", False),
        6: ("controller", "bool", False),
        7: ("blockOwnerDeletion", "bool", False),
    },
    "Namespace": {1: ("metadata", "ObjectMeta", False), 2: ("spec", "NamespaceSpec", False)},
    "NamespaceSpec": {1: ("finalizers", "string", True)},
    "ConfigMap": {
        1: ("metadata", "ObjectMeta", False),
        2: ("data", "map:string", False),
        3: ("binaryData", "map:bytes", False),
        4: ("immutable", "bool", False),
    },
    "Secret": {
        1: ("metadata", "ObjectMeta", False),
        2: ("data", "map:bytes", False),
        3: ("type", "string", False),
        4: ("stringData", "map:string", False),
        5: ("immutable", "bool", False),
    },
    "ServiceAccount": {
        1: ("metadata", "ObjectMeta", False),
        3: ("imagePullSecrets", "LocalObjectReference", True),
        4: ("automountServiceAccountToken", "bool", False),
    },
    "LocalObjectReference": {1: ("name", "string", False)},
    "PolicyRule": {
        1: ("verbs", "string", True),
        2: ("apiGroups", "string", True),
        3: ("resources", "string", True),
        4: ("resourceNames", "string", True),
        5: ("nonResourceURLs", "string", True),
    },
    "Subject": {
        1: ("kind", "string", False),
        2: ("apiGroup", "string", False),
        3: ("name", "string", False),
        4: ("namespace", "string", False),
    },
    "RoleRef": {1: ("apiGroup", "string", False), 2: ("kind", "string", False), 3: ("name", "string", False)},
    "Role": {1: ("metadata", "ObjectMeta", False), 2: ("rules", "PolicyRule", True)},
    "ClusterRole": {1: ("metadata", "ObjectMeta", False), 2: ("rules", "PolicyRule", True)},
    "RoleBinding": {
        1: ("metadata", "ObjectMeta", False),
        2: ("subjects", "Subject", True),
        3: ("roleRef", "RoleRef", False),
    },
    "ClusterRoleBinding": {
        1: ("metadata", "ObjectMeta", False),
        2: ("subjects", "Subject", True),
        3: ("roleRef", "RoleRef", False),
    },
    "TypeMeta": {1: ("apiVersion", "string", False), 2: ("kind", "string", False)},
    "Unknown": {
        1: ("typeMeta", "TypeMeta", False),
        2: ("raw", "bytes", False),
        3: ("contentEncoding", "string", False),
        4: ("contentType", "string", False),
    },
}


class ProtobufError(ValueError):
    pass


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs: varints as int, length-delimited as bytes; fixed widths are skipped."""
    fields: list[tuple[int, int | bytes]] = []
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, position = _varint(data, position)
            fields.append((number, value))
        elif wire_type == 2:
            length, position = _varint(data, position)
            fields.append((number, data[position : position + length]))
            position += length
        elif wire_type == 1:
            position += 8
        elif wire_type == 5:
            position += 4
        else:
            raise ProtobufError(f"unsupported wire type {wire_type}")
    return fields


def _decode_value(value: int | bytes, kind: str) -> Any:
    if kind == "int":
        return value
    if kind == "bool":
        return bool(value)
    if not isinstance(value, bytes):
        raise ProtobufError(f"expected bytes for {kind}")
    if kind == "string":
        return value.decode()
    if kind == "bytes":
        return value
    return decode_message(value, kind)


def decode_message(data: bytes, type_name: str) -> dict[str, Any]:
    schema = SCHEMAS[type_name]
    result: dict[str, Any] = {}
    for number, value in _fields(data):
        if number not in schema:
            continue  # fields the emulator does not model (status, timestamps) are dropped
        name, kind, repeated = schema[number]
        if kind.startswith("map:"):
            if not isinstance(value, bytes):
                raise ProtobufError("map entry must be length-delimited")
            entry = dict(_fields(value))
            key = entry.get(1, b"")
            item = entry.get(2, b"")
            assert isinstance(key, bytes) and isinstance(item, bytes)
            decoded = base64.b64encode(item).decode() if kind == "map:bytes" else item.decode()
            result.setdefault(name, {})[key.decode()] = decoded
        elif repeated:
            result.setdefault(name, []).append(_decode_value(value, kind))
        else:
            result[name] = _decode_value(value, kind)
    return result


def decode_object(body: bytes) -> dict[str, Any]:
    """A JSON-shaped object from a protobuf envelope, or 415 when the kind is not one we can read."""
    if not body.startswith(MAGIC):
        raise ApiError(400, "protobuf body without the k8s envelope", "BadRequest")
    try:
        unknown = decode_message(body[len(MAGIC) :], "Unknown")
        type_meta = unknown.get("typeMeta") or {}
        kind = type_meta.get("kind", "")
        if kind not in SCHEMAS or kind in ("Unknown", "TypeMeta", "ObjectMeta"):
            raise ApiError(
                415,
                f"the emulator cannot decode protobuf for kind {kind!r}; send application/json",
                "UnsupportedMediaType",
            )
        obj = decode_message(unknown.get("raw", b""), kind)
    except (ProtobufError, UnicodeDecodeError, AssertionError) as e:
        raise ApiError(400, f"the protobuf body could not be decoded: {e}", "BadRequest") from None
    return {"apiVersion": type_meta.get("apiVersion", ""), "kind": kind, **obj}
