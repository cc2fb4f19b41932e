"""Reading Vector's own config schema (../shared/upstream/vector/vector.schema.json) for cross-checks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import jsonschema
import pytest

from reconciler.herald.interpolation import substitute
from tests.herald.builders import VECTOR_SCHEMA

SENSITIVE_DEFINITION = "SensitiveString"
_ENUMS = {
    "source": "vector::sources::Sources",
    "transform": "vector::transforms::Transforms",
    "sink": "vector::sinks::Sinks",
}
_OUTER = {
    "source": "vector::config::source::SourceOuter",
    "transform": "vector::config::transform::TransformOuter<alloc::string::String>",
    "sink": "vector::config::sink::SinkOuter<alloc::string::String>",
}


@cache
def vector_schema() -> dict[str, Any]:
    if not VECTOR_SCHEMA.is_file():
        pytest.skip(f"{VECTOR_SCHEMA} is absent")
    return json.loads(VECTOR_SCHEMA.read_text(encoding="utf-8"))


@cache
def vector_validator() -> jsonschema.Draft201909Validator:
    return jsonschema.Draft201909Validator(vector_schema())


def vector_errors(config: Mapping[str, Any], variables: Mapping[str, str] | None = None) -> list[str]:
    """Errors of a compiled config against Vector's schema, after `${VAR}` substitution (as Vector does)."""
    resolved = substitute(config, variables or {})
    return [f"{list(e.absolute_path)}: {e.message[:300]}" for e in vector_validator().iter_errors(resolved)]


def vector_accepts_options(kind: str, name: str, options: Mapping[str, Any]) -> bool:
    """Whether Vector's schema takes these options for one component of this type, in a minimal config."""
    component = {"type": name, **options}
    if kind != "source":
        component["inputs"] = ["in"]
    config: dict[str, Any] = {"sources": {"in": {"type": "demo_logs", "format": "json"}}}
    config[f"{kind}s"] = {**config.get(f"{kind}s", {}), "under_test": component}
    if kind != "sink":
        config["sinks"] = {"out": {"type": "blackhole", "inputs": ["under_test"]}}
    return vector_validator().is_valid(config)


def _definitions() -> dict[str, Any]:
    return vector_schema()["definitions"]


def _properties(node: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Properties of a schema node through $ref / allOf / oneOf / anyOf."""
    found: dict[str, Any] = {}
    ref = node.get("$ref", "").rsplit("/", 1)[-1]
    if ref and ref not in seen:
        found.update(_properties(_definitions()[ref], seen | {ref}))
    for keyword in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(keyword, []):
            for key, value in _properties(sub, seen).items():
                found.setdefault(key, value)
    found.update(node.get("properties", {}))
    return found


def _component(kind: str, name: str) -> Mapping[str, Any] | None:
    for variant in _definitions()[_ENUMS[kind]]["oneOf"]:
        for part in variant.get("allOf", []):
            if part.get("properties", {}).get("type", {}).get("const") == name:
                return variant
    return None


def upstream_types(kind: str) -> set[str]:
    names = set()
    for variant in _definitions()[_ENUMS[kind]]["oneOf"]:
        for part in variant.get("allOf", []):
            const = part.get("properties", {}).get("type", {}).get("const")
            if const:
                names.add(const)
    return names


def upstream_options(kind: str, name: str) -> set[str] | None:
    component = _component(kind, name)
    if component is None:
        return None
    outer = _properties(_definitions()[_OUTER[kind]]["allOf"][0])
    return (set(_properties(component)) | set(outer)) - {"type", "inputs"}


def upstream_sensitive(kind: str, name: str) -> set[str]:
    """Dotted paths of the options Vector types as SensitiveString."""
    found: set[str] = set()

    def walk(node: Mapping[str, Any], path: str, seen: frozenset[str]) -> None:
        ref = node.get("$ref", "").rsplit("/", 1)[-1]
        if SENSITIVE_DEFINITION in ref:
            found.add(path)
            return
        if ref and ref not in seen:
            walk(_definitions()[ref], path, seen | {ref})
        for keyword in ("allOf", "oneOf", "anyOf"):
            for sub in node.get(keyword, []):
                walk(sub, path, seen)
        for key, value in node.get("properties", {}).items():
            walk(value, f"{path}.{key}" if path else key, seen)

    component = _component(kind, name)
    if component is not None:
        walk(component, "", frozenset())
    return found


def upstream_global_options() -> set[str]:
    names: set[str] = set()
    for part in vector_schema()["allOf"]:
        names |= set(_properties(part))
    return names - {"sources", "transforms", "sinks", "tests"}
