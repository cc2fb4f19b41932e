"""Regenerate the option schemas of `schemas/vector/` from Vector's own config schema.

    .venv/bin/python scripts/generate_vector_catalog.py [path/to/vector.schema.json [output folder]]

The input is the JSON Schema `vector generate-schema` prints (draft 2019-09; the default path is the copy in
`../shared/upstream/vector/`). For every component type it lists, this writes
`schemas/vector/<kind>s/<type>.schema.json`: the facts about the type's options (names, types, nesting,
enumerations, required and one-of groups, which values are secrets) as a draft 2020-12 schema that holds only
the definitions that type uses. Descriptions, examples and defaults are left out: the files state what Vector
accepts, not how Vector documents it.

Vector's generated schema leaves out serde aliases (older option names Vector still reads) and cannot know
options added after the release it came from; both are listed below, from Vector's sources. The event kinds
and outputs of each type are ours, hand-written in `schemas/vector/components.json`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "schemas" / "vector"
DEFAULT_INPUT = ROOT.parent / "shared" / "upstream" / "vector" / "vector.schema.json"
ID_BASE = "https://portal.butlerlabs.dev/schemas/vector"
VECTOR_RELEASE = "0.54"  # the release the input was generated from (it knows `azure_logs_ingestion`, added
# in 0.54, and not `series_api_version`, added in 0.55)

SECTION_ENUMS = {
    "source": "vector::sources::Sources",
    "transform": "vector::transforms::Transforms",
    "sink": "vector::sinks::Sinks",
}
OUTER = {  # options every component of a kind has (`inputs`, `buffer`, `healthcheck`, ...)
    "source": "vector::config::source::SourceOuter",
    "transform": "vector::config::transform::TransformOuter<alloc::string::String>",
    "sink": "vector::config::sink::SinkOuter<alloc::string::String>",
}
PLUMBING = ("type", "inputs")  # checked by the topology, not by the option schema
KEPT_KEYWORDS = frozenset(
    {
        "type", "properties", "required", "enum", "const", "oneOf", "anyOf", "allOf", "not", "items",
        "additionalProperties", "unevaluatedProperties", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "pattern",
        "minProperties", "maxProperties", "$ref",
    }
)  # fmt: skip
SENSITIVE_DEFINITION = "vector_common::sensitive_string::SensitiveString"

# serde aliases: (kind, type) → {option: alias}, on the type's own options.
OPTION_ALIASES: dict[tuple[str, str], dict[str, str]] = {
    ("source", "demo_logs"): {"interval": "batch_interval"},
    ("source", "file"): {
        "ignore_older_secs": "ignore_older",
        "glob_minimum_cooldown_ms": "glob_minimum_cooldown",
        "fingerprint": "fingerprinting",
        "remove_after_secs": "remove_after",
    },
    ("source", "kubernetes_logs"): {"pod_annotation_fields": "annotation_fields"},
    ("source", "nats"): {"connection_name": "name"},
    ("source", "prometheus_scrape"): {"endpoints": "hosts"},
    ("source", "pulsar"): {"endpoint": "address"},
    ("transform", "aws_ec2_metadata"): {"endpoint": "host"},
    ("sink", "aws_cloudwatch_metrics"): {"default_namespace": "namespace"},
    ("sink", "clickhouse"): {"endpoint": "host"},
    ("sink", "elasticsearch"): {"bulk": "normal"},
    ("sink", "greptimedb_logs"): {"endpoint": "host"},
    ("sink", "humio_logs"): {"endpoint": "host"},
    ("sink", "humio_metrics"): {"endpoint": "host"},
    ("sink", "influxdb_metrics"): {"default_namespace": "namespace"},
    ("sink", "kafka"): {"headers_key": "headers_field"},
    ("sink", "mezmo"): {"endpoint": "host"},
    ("sink", "nats"): {"connection_name": "name"},
    ("sink", "prometheus_exporter"): {"default_namespace": "namespace"},
    ("sink", "pulsar"): {"endpoint": "address"},
    ("sink", "redis"): {"list_option": "list", "sorted_set_option": "sorted_set", "endpoint": "url"},
    ("sink", "sematext_logs"): {"endpoint": "host"},
    ("sink", "splunk_hec_logs"): {"default_token": "token"},
    ("sink", "splunk_hec_metrics"): {"default_token": "token"},
    ("sink", "statsd"): {"default_namespace": "namespace"},
}
# serde aliases of shared definitions: definition → {option: alias}.
DEFINITION_ALIASES: dict[str, dict[str, str]] = {
    "vector_core::tls::settings::TlsConfig": {
        "ca_file": "ca_path",
        "crt_file": "crt_path",
        "key_file": "key_path",
    },
}
# serde aliases of enumeration values: (kind, type, option) → {value: alias}.
VALUE_ALIASES: dict[tuple[str, str, str], dict[str, str]] = {
    ("source", "demo_logs", "format"): {"syslog": "rfc5424", "bsd_syslog": "rfc3164"},
    ("source", "socket", "mode"): {"unix_stream": "unix"},
    ("sink", "socket", "mode"): {"unix_stream": "unix"},
    ("sink", "elasticsearch", "mode"): {"bulk": "normal"},
}
# Options read by `bool_or_struct`: (kind, type or "*") → options of the type; kind → options every one has.
BOOL_OR_STRUCT: dict[tuple[str, str], tuple[str, ...]] = {
    ("source", "*"): ("acknowledgements",),
    ("sink", "*"): ("acknowledgements",),
    ("sink", "nats"): ("jetstream",),
}
BOOL_OR_STRUCT_OUTER: dict[str, tuple[str, ...]] = {"sink": ("healthcheck",)}
# Tagged unions Vector reads with a default tag (a custom deserializer): definition → (tag, default value).
DEFAULT_TAGS: dict[str, tuple[str, str]] = {
    "vector::common::http::server_auth::HttpServerAuthConfig": ("strategy", "basic"),
}
# Options added after the release the input comes from: (kind, type) → {option: schema}.
_HTTP_RETRY_STRATEGY = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"type": {"enum": ["none", "default", "all"]}},
            "required": ["type"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "type": {"const": "custom"},
                "status_codes": {"type": "array", "items": {"type": "integer"}},
            },
            "required": ["type", "status_codes"],
            "additionalProperties": False,
        },
    ]
}
_HTTP_SINKS_WITH_RETRY_STRATEGY = (  # 0.56
    "appsignal", "axiom", "azure_logs_ingestion", "azure_monitor_logs", "datadog_events", "gcp_stackdriver_logs",
    "gcp_stackdriver_metrics", "honeycomb", "http", "keep", "prometheus_remote_write",
)  # fmt: skip
NEWER_OPTIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("sink", "datadog_metrics"): {"series_api_version": {"enum": ["v1", "v2"]}},  # 0.55
    **{("sink", name): {"retry_strategy": _HTTP_RETRY_STRATEGY} for name in _HTTP_SINKS_WITH_RETRY_STRATEGY},
}


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _local_name(definition: str) -> str:
    """A definition's name as a plain JSON Pointer token: no `<`, `>`, `::` or `/` to escape."""
    return re.sub(r"[^A-Za-z0-9_.]+", "_", definition.replace("::", ".")).strip("_")


class Converter:
    """Draft 2019-09 nodes of Vector's schema → draft 2020-12 nodes that keep only what validation needs."""

    def __init__(self, definitions: Mapping[str, Any]) -> None:
        self.definitions = definitions
        self.used: dict[str, Any] = {}

    def node(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.node(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        result: dict[str, Any] = {}
        for key, value in node.items():
            if key not in KEPT_KEYWORDS:
                continue
            if key == "$ref":
                result[key] = self.reference(_ref_name(value))
            elif key == "properties":
                result[key] = {name: self.node(sub) for name, sub in value.items()}
            elif key in {"required", "enum", "const", "type"}:
                result[key] = value
            else:
                result[key] = self.node(value)
        return result

    def reference(self, definition: str) -> str:
        local = _local_name(definition)
        if local not in self.used:
            self.used[local] = None  # reserved first: definitions may refer to themselves
            self.used[local] = self.node(self.definitions[definition])
        return f"#/$defs/{local}"


def _variant(definitions: Mapping[str, Any], kind: str, name: str) -> Mapping[str, Any]:
    for variant in definitions[SECTION_ENUMS[kind]]["oneOf"]:
        for part in variant["allOf"]:
            if part.get("properties", {}).get("type", {}).get("const") == name:
                return variant
    raise KeyError((kind, name))


def component_types(definitions: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for kind, enum in SECTION_ENUMS.items():
        for variant in definitions[enum]["oneOf"]:
            for part in variant["allOf"]:
                const = part.get("properties", {}).get("type", {}).get("const")
                if const:
                    yield kind, const


def _config_definition(definitions: Mapping[str, Any], kind: str, name: str) -> str:
    refs = [_ref_name(p["$ref"]) for p in _variant(definitions, kind, name)["allOf"] if "$ref" in p]
    (ref,) = refs
    return ref


def _own_object(definition: dict[str, Any]) -> dict[str, Any]:
    """The node a config struct declares its options in (itself or its first allOf part); empty when it has
    none (a type whose options are all in a flattened union)."""
    if "properties" in definition:
        return definition
    for part in definition.get("allOf", []):
        if "properties" in part:
            return part
    return {"properties": {}}


def _add_alias(node: dict[str, Any], option: str, alias: str, where: str) -> None:
    """The alias takes the option's schema; a required option may be written under either name."""
    properties = node["properties"]
    if option not in properties:
        raise SystemExit(f"{where}: no option {option!r} to alias as {alias!r}")
    if alias == option:
        return
    properties.setdefault(alias, properties[option])
    if option in node.get("required", []):
        node["required"] = [r for r in node["required"] if r != option]
        node.setdefault("allOf", []).append({"anyOf": [{"required": [option]}, {"required": [alias]}]})


def bool_or_struct(definitions: dict[str, Any]) -> None:
    """Options Vector reads with `bool_or_struct` (`acknowledgements: true` is `{enabled: true}`), which its
    schema knows only as the struct."""
    for kind, name in component_types(definitions):
        node = _own_object(definitions[_config_definition(definitions, kind, name)])
        options = BOOL_OR_STRUCT.get((kind, name), ()) + BOOL_OR_STRUCT.get((kind, "*"), ())
        for option in options:
            if option in node["properties"]:
                node["properties"][option] = {"anyOf": [{"type": "boolean"}, node["properties"][option]]}
    for kind, options in BOOL_OR_STRUCT_OUTER.items():
        properties = definitions[OUTER[kind]]["allOf"][0]["properties"]
        for option in options:
            properties[option] = {"anyOf": [{"type": "boolean"}, properties[option]]}


def default_tags(definitions: dict[str, Any]) -> None:
    """Tagged unions whose tag Vector lets users leave out: the default variant does not require it."""
    for definition, (tag, default) in DEFAULT_TAGS.items():
        variants = [v for v in definitions[definition]["oneOf"] if v["properties"][tag].get("const") == default]
        if len(variants) != 1:
            raise SystemExit(f"{definition}: no variant with {tag} {default!r}")
        variants[0]["required"] = [r for r in variants[0]["required"] if r != tag]


def _alias_values(node: Any, aliases: Mapping[str, str], definitions: Mapping[str, Any]) -> int:
    """Adds alias values beside each `const`/`enum` value they stand for; returns how many were added."""
    if isinstance(node, list):
        return sum(_alias_values(item, aliases, definitions) for item in node)
    if not isinstance(node, dict):
        return 0
    added = 0
    if node.get("const") in aliases:
        value = node.pop("const")
        node["enum"] = [value, aliases[value]]
        added += 1
    elif "enum" in node:
        extra = [aliases[v] for v in node["enum"] if v in aliases and aliases[v] not in node["enum"]]
        node["enum"] = [*node["enum"], *extra]
        added += len(extra)
    if "$ref" in node:
        added += _alias_values(definitions[_ref_name(node["$ref"])], aliases, definitions)
    for key, value in node.items():
        if key != "$ref":
            added += _alias_values(value, aliases, definitions)
    return added


def relax_flattened_options(definitions: dict[str, Any]) -> None:
    """A flattened `Option<X>` (influxdb's v1 and v2 settings) means "X's options, or none of them", but the
    generated schema demands X itself: both versions' required options at once. Keep X without `required`."""

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            for item in node.get("allOf", []):
                target = _ref_name(item.get("$ref", ""))
                if target.startswith("core::option::Option<"):
                    (inner,) = [_ref_name(b["$ref"]) for b in definitions[target]["oneOf"] if "$ref" in b]
                    relaxed = f"{inner}(flattened)"
                    definitions[relaxed] = {k: v for k, v in definitions[inner].items() if k != "required"}
                    item["$ref"] = f"#/definitions/{relaxed}"
            for value in node.values():
                visit(value)

    for definition in list(definitions.values()):
        visit(definition)


def apply_aliases(definitions: dict[str, Any]) -> None:
    for definition, aliases in DEFINITION_ALIASES.items():
        node = _own_object(definitions[definition])
        for option, alias in aliases.items():
            _add_alias(node, option, alias, definition)
    for (kind, name), aliases in OPTION_ALIASES.items():
        node = _own_object(definitions[_config_definition(definitions, kind, name)])
        for option, alias in aliases.items():
            _add_alias(node, option, alias, f"{kind} {name}")
    for (kind, name, option), values in VALUE_ALIASES.items():
        config = definitions[_config_definition(definitions, kind, name)]
        if _alias_values(_option_nodes(config, option, definitions), values, definitions) == 0:
            raise SystemExit(f"{kind} {name}: no value of {option!r} among {sorted(values)}")


def _option_nodes(node: Any, option: str, definitions: Mapping[str, Any]) -> list[Any]:
    """Every definition of an option, in every branch (a tagged union defines its tag once per variant)."""
    if not isinstance(node, Mapping):
        return []
    found = [node["properties"][option]] if option in node.get("properties", {}) else []
    if "$ref" in node:
        found += _option_nodes(definitions[_ref_name(node["$ref"])], option, definitions)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(keyword, []):
            found += _option_nodes(sub, option, definitions)
    return found


def sensitive_paths(
    node: Any, definitions: Mapping[str, Any], path: str = "", seen: frozenset[str] = frozenset()
) -> set[str]:
    """Dotted option paths whose value is a SensitiveString; `*` for any key or list item."""
    if not isinstance(node, Mapping):
        return set()
    found: set[str] = set()
    ref = _ref_name(node.get("$ref", ""))
    if ref == SENSITIVE_DEFINITION or ref.endswith(f"<{SENSITIVE_DEFINITION}>"):
        return {path}
    if ref and ref not in seen:
        found |= sensitive_paths(definitions[ref], definitions, path, seen | {ref})
    for keyword in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(keyword, []):
            found |= sensitive_paths(sub, definitions, path, seen)
    for key, value in node.get("properties", {}).items():
        found |= sensitive_paths(value, definitions, f"{path}.{key}" if path else key, seen)
    for keyword in ("additionalProperties", "items"):
        if isinstance(node.get(keyword), Mapping):
            found |= sensitive_paths(node[keyword], definitions, f"{path}.*" if path else "*", seen)
    return found


def type_schema(definitions: Mapping[str, Any], kind: str, name: str) -> dict[str, Any]:
    converter = Converter(definitions)
    config = _config_definition(definitions, kind, name)
    outer = definitions[OUTER[kind]]["allOf"][0]
    outer_properties = {k: v for k, v in outer["properties"].items() if k not in PLUMBING}
    newer = NEWER_OPTIONS.get((kind, name), {})
    body: dict[str, Any] = {
        "allOf": [
            {"$ref": converter.reference(config)},
            {"type": "object", "properties": {**{k: converter.node(v) for k, v in outer_properties.items()}, **newer}},
        ],
        "unevaluatedProperties": False,
    }
    sensitive = sensitive_paths({"$ref": f"#/definitions/{config}"}, definitions) | sensitive_paths(
        {"properties": outer_properties}, definitions
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{ID_BASE}/{kind}s/{name}.schema.json",
        "title": f"Options of Vector's `{name}` {kind} (generated from Vector {VECTOR_RELEASE}'s schema)",
        "type": "object",
        **body,
        "x-vector": {"sensitive": sorted(sensitive)},
        "$defs": {k: converter.used[k] for k in sorted(converter.used)},
    }


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_INPUT
    out = Path(argv[2]) if len(argv) > 2 else OUT
    upstream = json.loads(source.read_text(encoding="utf-8"))
    definitions = upstream["definitions"]
    relax_flattened_options(definitions)
    default_tags(definitions)
    bool_or_struct(definitions)
    apply_aliases(definitions)
    written = set()
    for kind, name in component_types(definitions):
        path = out / f"{kind}s" / f"{name}.schema.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        schema = type_schema(definitions, kind, name)
        path.write_text(json.dumps(schema, separators=(",", ":"), sort_keys=False) + "\n", encoding="utf-8")
        written.add(path)
    for stale in set(out.glob("*/*.schema.json")) - written:
        stale.unlink()
    print(f"wrote {len(written)} component schemas to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
