"""The component types Vector registers: each one's options schema and what it says about the graph.

`schemas/vector/components.json` (hand-written) says, per type, which event kinds it accepts and emits, its
named outputs and where its VRL lives. `schemas/vector/<kind>s/<type>.schema.json` (generated from Vector's own
config schema by `scripts/generate_vector_catalog.py`) holds the type's options and which of them are secrets.
Only the index is read up front; a type's schema is read and compiled the first time a pipeline uses the type.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import jsonschema_rs

from reconciler.herald.codecs import decoded_kinds, encoded_kinds
from reconciler.resources import schemas_dir

if TYPE_CHECKING:  # explainers run only on invalid options: a valid commit never imports the Python validator
    import jsonschema

ComponentKind = Literal["source", "transform", "sink"]
Section = Literal["sources", "transforms", "sinks"]
EventKinds = frozenset[str]

SECTIONS: tuple[Section, ...] = ("sources", "transforms", "sinks")
KIND_OF_SECTION: Mapping[str, ComponentKind] = {"sources": "source", "transforms": "transform", "sinks": "sink"}
ALL_EVENT_KINDS: EventKinds = frozenset({"logs", "metrics", "traces"})
COMPONENTS = "components.json"
COMMON_SCHEMA = "common.schema.json"
GLOBAL_SCHEMA = "global.schema.json"  # Vector's top-level options other than the sections


@dataclass(frozen=True, slots=True)
class Toggle:
    """Makes an output exist only when a boolean option has a given value (`reroute_dropped: true`, ...)."""

    option: str
    exists_when: bool
    option_default: bool

    def enabled(self, options: Mapping[str, Any]) -> bool:
        return bool(options.get(self.option, self.option_default)) is self.exists_when


@dataclass(frozen=True, slots=True)
class OutputRule:
    name: str | None  # None is the default output, referenced by the bare component id
    emits: EventKinds | None  # None: whatever the component itself emits
    toggle: Toggle | None = None


@dataclass(frozen=True, slots=True)
class ComponentType:
    kind: ComponentKind
    name: str  # Vector's type name, written to compiled configs
    aliases: tuple[str, ...]  # other names users may write (older Vector names)
    accepts: EventKinds  # empty for sources
    emits: EventKinds | None  # None: passes on what it receives (remap, filter, route, ...)
    outputs: tuple[OutputRule, ...]
    outputs_from_keys_of: str | None  # route: each key of this option is a named output
    outputs_from_items_of: str | None  # exclusive_route: each item's `name` in this list option is an output
    by_codec: bool  # its codec (`decoding.codec` of a source, `encoding.codec` of a sink) narrows the kinds
    sensitive: tuple[tuple[str, ...], ...]  # option paths; "*" matches any key or list item
    vrl_programs: tuple[tuple[str, ...], ...]
    vrl_conditions: tuple[tuple[str, ...], ...]
    schema_path: Path

    def output_kinds(self, received: EventKinds, options: Mapping[str, Any]) -> EventKinds:
        """What this component emits given what reaches it."""
        if self.emits is not None:
            if self.by_codec and self.kind == "source":
                return decoded_kinds(options) or self.emits
            return self.emits
        return received & self.accepts

    def accepted_kinds(self, options: Mapping[str, Any]) -> EventKinds:
        """What this component takes in, as configured (a sink's codec may narrow it)."""
        if self.by_codec and self.kind == "sink":
            return self.accepts & (encoded_kinds(options) or ALL_EVENT_KINDS)
        return self.accepts

    def outputs_for(self, options: Mapping[str, Any]) -> dict[str | None, EventKinds | None]:
        """The outputs this configured component has, with the event kinds each carries (None: passthrough)."""
        result: dict[str | None, EventKinds | None] = {}
        for rule in self.outputs:
            if rule.toggle is None or rule.toggle.enabled(options):
                result[rule.name] = rule.emits
        if self.outputs_from_keys_of:
            keyed = options.get(self.outputs_from_keys_of)
            if isinstance(keyed, Mapping):
                for key in keyed:
                    result[str(key)] = None
        if self.outputs_from_items_of:
            items = options.get(self.outputs_from_items_of)
            for item in items if isinstance(items, list) else []:
                if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                    result[item["name"]] = None
        return result


def _event_kinds(value: Any) -> EventKinds | None:
    return None if value == "input" else frozenset(value)


def _toggle(rule: Mapping[str, Any]) -> Toggle | None:
    if "whenOption" in rule:
        return Toggle(rule["whenOption"], True, bool(rule.get("optionDefault", False)))
    if "unlessOption" in rule:
        return Toggle(rule["unlessOption"], False, bool(rule.get("optionDefault", False)))
    return None


def _output_rules(kind: ComponentKind, declared: Mapping[str, Any]) -> tuple[OutputRule, ...]:
    if kind == "sink":
        return ()
    rules: list[OutputRule] = []
    default = declared.get("default", True)
    if default is not False:
        toggle = _toggle(default) if isinstance(default, Mapping) else None
        rules.append(OutputRule(None, None, toggle))
    for name, rule in declared.get("named", {}).items():
        rules.append(OutputRule(name, _event_kinds(rule["emits"]), _toggle(rule)))
    return tuple(rules)


def _paths(dotted: list[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split(".")) for p in dotted)


def component_type(
    kind: ComponentKind, name: str, meta: Mapping[str, Any], path: Path
) -> tuple[ComponentType, Mapping[str, Any]]:
    """A type from its hand-written entry in the index and its generated options schema (returned too)."""
    schema = json.loads(path.read_text(encoding="utf-8"))
    vrl = meta.get("vrl", {})
    outputs = meta.get("outputs", {})
    return ComponentType(
        kind=kind,
        name=name,
        aliases=tuple(meta.get("aliases", ())),
        accepts=frozenset(meta.get("accepts", ())),
        emits=_event_kinds(meta["emits"]) if "emits" in meta else frozenset(),
        outputs=_output_rules(kind, outputs),
        outputs_from_keys_of=outputs.get("namedFromKeysOf"),
        outputs_from_items_of=outputs.get("namedFromItemsOf"),
        by_codec=bool(meta.get("byCodec", False)),
        sensitive=_paths(schema.get("x-vector", {}).get("sensitive", [])),
        vrl_programs=_paths(vrl.get("programs", [])),
        vrl_conditions=_paths(vrl.get("conditions", [])),
        schema_path=path,
    ), schema


def object_options(node: Any, root: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> set[str]:
    """The option names an object schema allows, through `$ref` (local ones), `allOf`, `oneOf` and `anyOf`."""
    if not isinstance(node, Mapping):
        return set()
    names = set(node.get("properties", {}))
    ref = node.get("$ref", "")
    if ref.startswith("#/$defs/") and ref not in seen:
        names |= object_options(root.get("$defs", {}).get(ref.removeprefix("#/$defs/")), root, seen | {ref})
    for keyword in ("allOf", "oneOf", "anyOf"):
        for branch in node.get(keyword, []):
            names |= object_options(branch, root, seen)
    return names


class Catalog:
    """Component types by kind and name (aliases included), with their compiled option validators."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._common = json.loads((directory / COMMON_SCHEMA).read_text(encoding="utf-8"))
        self._registry = jsonschema_rs.Registry([(self._common["$id"], self._common)])
        self._explainers: dict[tuple[ComponentKind, str], jsonschema.Draft202012Validator] = {}
        self._schemas: dict[tuple[ComponentKind, str], Mapping[str, Any]] = {}
        self._validators: dict[tuple[ComponentKind, str], Any] = {}
        self._types: dict[tuple[ComponentKind, str], ComponentType] = {}
        self._global_schema = json.loads((directory / GLOBAL_SCHEMA).read_text(encoding="utf-8"))
        index = json.loads((directory / COMPONENTS).read_text(encoding="utf-8"))
        self._meta: dict[tuple[ComponentKind, str], Mapping[str, Any]] = {}
        self._by_name: dict[tuple[ComponentKind, str], str] = {}  # a name or alias → the type's name
        for section in SECTIONS:
            kind = KIND_OF_SECTION[section]
            for name, meta in index[section].items():
                self._meta[(kind, name)] = meta
                for written in (name, *meta.get("aliases", ())):
                    self._by_name[(kind, written)] = name

    def __iter__(self) -> Iterator[ComponentType]:
        return (self._load(key) for key in self._meta)

    def _load(self, key: tuple[ComponentKind, str]) -> ComponentType:
        if key not in self._types:
            kind, name = key
            path = self.directory / f"{kind}s" / f"{name}.schema.json"
            self._types[key], self._schemas[key] = component_type(kind, name, self._meta[key], path)
        return self._types[key]

    def lookup(self, kind: ComponentKind, name: str) -> ComponentType | None:
        canonical = self._by_name.get((kind, name))
        return None if canonical is None else self._load((kind, canonical))

    def names(self, kind: ComponentKind) -> list[str]:
        return sorted(name for k, name in self._by_name if k == kind)

    def kinds_with(self, name: str) -> list[ComponentKind]:
        """The other kinds that have a type of this name (a sink type used as a source, ...)."""
        return [k for k, n in self._by_name if n == name]

    def example(self, ctype: ComponentType) -> Mapping[str, Any]:
        """One working set of options for the type (hand-written in the index)."""
        return self._meta[(ctype.kind, ctype.name)]["example"]

    def schema(self, ctype: ComponentType) -> Mapping[str, Any]:
        return self._schemas[(ctype.kind, ctype.name)]

    def validator(self, ctype: ComponentType) -> Any:
        """The fast validator (Rust): says whether options are valid."""
        key = (ctype.kind, ctype.name)
        if key not in self._validators:
            self._validators[key] = jsonschema_rs.validator_for(self._schemas[key], registry=self._registry)
        return self._validators[key]

    @cached_property
    def _global_validator(self) -> Any:
        return jsonschema_rs.validator_for(self._global_schema, registry=self._registry)

    def global_validators(self) -> tuple[Any, Callable[[], jsonschema.Draft202012Validator]]:
        """The fast validator of Vector's global options, and how to get their explainer (only when needed)."""
        return self._global_validator, lambda: self._explainer_for(self._global_schema)

    def global_schema(self) -> Mapping[str, Any]:
        return self._global_schema

    def _explainer_for(self, schema: Mapping[str, Any]) -> jsonschema.Draft202012Validator:
        import jsonschema
        import referencing

        registry = referencing.Registry().with_resource(
            self._common["$id"], referencing.Resource.from_contents(self._common)
        )
        return jsonschema.Draft202012Validator(schema, registry=registry)

    def explainer(self, ctype: ComponentType) -> jsonschema.Draft202012Validator:
        """The detailed validator, run only on invalid options: its errors keep the sub-errors of each branch."""
        key = (ctype.kind, ctype.name)
        if key not in self._explainers:
            self._explainers[key] = self._explainer_for(self._schemas[key])
        return self._explainers[key]


def vector_schemas_dir() -> Path:
    return schemas_dir() / "vector"


@cache
def default_catalog() -> Catalog:
    return Catalog(vector_schemas_dir())
