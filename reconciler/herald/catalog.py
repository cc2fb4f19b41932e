"""The component types we support: each one's options schema and what it says about the graph.

Every type is one JSON Schema file in `schemas/vector/<kind>s/<type>.schema.json`; its `x-vector` block says
which event kinds the type accepts and emits, its named outputs, which options are sensitive and where its VRL
lives. The option schemas are compiled once and shared by every check.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import jsonschema_rs

from reconciler.resources import schemas_dir

if TYPE_CHECKING:  # explainers run only on invalid options: a valid commit never imports the Python validator
    import jsonschema

ComponentKind = Literal["source", "transform", "sink"]
Section = Literal["sources", "transforms", "sinks"]
EventKinds = frozenset[str]

SECTIONS: tuple[Section, ...] = ("sources", "transforms", "sinks")
KIND_OF_SECTION: Mapping[str, ComponentKind] = {"sources": "source", "transforms": "transform", "sinks": "sink"}
ALL_EVENT_KINDS: EventKinds = frozenset({"logs", "metrics", "traces"})
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
    sensitive: tuple[tuple[str, ...], ...]  # option paths; "*" matches any key or list item
    vrl_programs: tuple[tuple[str, ...], ...]
    vrl_conditions: tuple[tuple[str, ...], ...]
    option_names: frozenset[str]  # every top-level option, for "did you mean"
    schema_path: Path

    def output_kinds(self, received: EventKinds) -> EventKinds:
        """What this component emits given what reaches it."""
        if self.emits is not None:
            return self.emits
        return received & self.accepts

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
        return result


def _event_kinds(value: Any) -> EventKinds | None:
    return None if value == "input" else frozenset(value)


def _toggle(rule: Mapping[str, Any]) -> Toggle | None:
    if "whenOption" in rule:
        return Toggle(rule["whenOption"], True, bool(rule.get("optionDefault", False)))
    if "unlessOption" in rule:
        return Toggle(rule["unlessOption"], False, bool(rule.get("optionDefault", False)))
    return None


def _output_rules(meta: Mapping[str, Any]) -> tuple[OutputRule, ...]:
    if meta["kind"] == "sink":
        return ()
    declared = meta.get("outputs", {})
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


def component_type(path: Path, schema: Mapping[str, Any]) -> ComponentType:
    meta = schema["x-vector"]
    vrl = meta.get("vrl", {})
    return ComponentType(
        kind=meta["kind"],
        name=meta["type"],
        aliases=tuple(meta.get("aliases", ())),
        accepts=frozenset(meta.get("accepts", ())),
        emits=_event_kinds(meta["emits"]) if "emits" in meta else frozenset(),
        outputs=_output_rules(meta),
        outputs_from_keys_of=meta.get("outputs", {}).get("namedFromKeysOf"),
        sensitive=_paths(meta.get("sensitive", [])),
        vrl_programs=_paths(vrl.get("programs", [])),
        vrl_conditions=_paths(vrl.get("conditions", [])),
        option_names=frozenset(schema.get("properties", {})),
        schema_path=path,
    )


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
        self._by_name: dict[tuple[ComponentKind, str], ComponentType] = {}
        self._global_schema = json.loads((directory / GLOBAL_SCHEMA).read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*/*.schema.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            ctype = component_type(path, schema)
            key = (ctype.kind, ctype.name)
            self._types[key] = ctype
            self._schemas[key] = schema
            for name in (ctype.name, *ctype.aliases):
                self._by_name[(ctype.kind, name)] = ctype

    def __iter__(self) -> Iterator[ComponentType]:
        return iter(self._types.values())

    def lookup(self, kind: ComponentKind, name: str) -> ComponentType | None:
        return self._by_name.get((kind, name))

    def names(self, kind: ComponentKind) -> list[str]:
        return sorted(name for k, name in self._by_name if k == kind)

    def suggest(self, kind: ComponentKind, name: str) -> str | None:
        """The closest known type name, for "did you mean"."""
        close = difflib.get_close_matches(name, self.names(kind), n=1, cutoff=0.6)
        return close[0] if close else None

    def kinds_with(self, name: str) -> list[ComponentKind]:
        """The other kinds that have a type of this name (a sink type used as a source, ...)."""
        return [k for k, n in self._by_name if n == name]

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
