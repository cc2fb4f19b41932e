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
# What Vector reads beyond its generated schema: serde aliases (alias → option) and options added after the
# release the schema comes from.
SERDE_ALIASES: dict[tuple[str, str], dict[str, str]] = {
    ("source", "demo_logs"): {"batch_interval": "interval"},
    ("source", "file"): {
        "ignore_older": "ignore_older_secs",
        "glob_minimum_cooldown": "glob_minimum_cooldown_ms",
        "fingerprinting": "fingerprint",
        "remove_after": "remove_after_secs",
    },
    ("source", "kubernetes_logs"): {"annotation_fields": "pod_annotation_fields"},
    ("source", "nats"): {"name": "connection_name"},
    ("source", "prometheus_scrape"): {"hosts": "endpoints"},
    ("source", "pulsar"): {"address": "endpoint"},
    ("transform", "aws_ec2_metadata"): {"host": "endpoint"},
    ("sink", "aws_cloudwatch_metrics"): {"namespace": "default_namespace"},
    ("sink", "clickhouse"): {"host": "endpoint"},
    ("sink", "elasticsearch"): {"normal": "bulk"},
    ("sink", "greptimedb_logs"): {"host": "endpoint"},
    ("sink", "humio_logs"): {"host": "endpoint"},
    ("sink", "humio_metrics"): {"host": "endpoint"},
    ("sink", "influxdb_metrics"): {"namespace": "default_namespace"},
    ("sink", "kafka"): {"headers_field": "headers_key"},
    ("sink", "logdna"): {"host": "endpoint"},
    ("sink", "mezmo"): {"host": "endpoint"},
    ("sink", "nats"): {"name": "connection_name"},
    ("sink", "prometheus_exporter"): {"namespace": "default_namespace"},
    ("sink", "pulsar"): {"address": "endpoint"},
    ("sink", "redis"): {"list": "list_option", "sorted_set": "sorted_set_option", "url": "endpoint"},
    ("sink", "sematext_logs"): {"host": "endpoint"},
    ("sink", "splunk_hec_logs"): {"token": "default_token"},
    ("sink", "splunk_hec_metrics"): {"token": "default_token"},
    ("sink", "statsd"): {"namespace": "default_namespace"},
}
NEWER_OPTIONS = frozenset({"retry_strategy", "series_api_version"})
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


def in_schema_terms(config: Mapping[str, Any]) -> dict[str, Any]:
    """A config with each component's aliased options under their names, and without options newer than the
    schema: what Vector's schema can judge."""
    result = dict(config)
    for section, kind in (("sources", "source"), ("transforms", "transform"), ("sinks", "sink")):
        components = {}
        for cid, body in config.get(section, {}).items():
            aliases = SERDE_ALIASES.get((kind, body.get("type")), {})
            components[cid] = {aliases.get(k, k): v for k, v in body.items() if k not in NEWER_OPTIONS}
        result[section] = components
    return result


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


def vector_accepts_global_options(options: Mapping[str, Any]) -> bool:
    """Whether Vector's schema takes these global options beside a minimal topology."""
    topology = {"sources": {"in": {"type": "stdin"}}, "sinks": {"out": {"type": "blackhole", "inputs": ["in"]}}}
    return vector_validator().is_valid({**options, **topology})


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
