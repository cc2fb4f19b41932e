"""A pipeline's components as values: where each is written, its type, inputs and options."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.herald.catalog import KIND_OF_SECTION, SECTIONS, ComponentKind, Section
from reconciler.model.kinds import Pipeline

# Keys of a component that are Vector's plumbing, not the type's own options.
PLUMBING_KEYS = frozenset({"type", "inputs"})


@dataclass(frozen=True, slots=True)
class Component:
    section: Section
    id: str
    body: Mapping[str, Any]

    @property
    def kind(self) -> ComponentKind:
        return KIND_OF_SECTION[self.section]

    @property
    def label(self) -> str:
        """How messages name the component: `sinks.loki_errors`."""
        return f"{self.section}.{self.id}"

    @property
    def path(self) -> tuple[str, ...]:
        """Its JSON path in the Pipeline document."""
        return ("spec", self.section, self.id)

    @property
    def type_name(self) -> str:
        value = self.body.get("type")
        return value if isinstance(value, str) else ""

    @property
    def inputs(self) -> list[str]:
        """Vector accepts one input as a bare string as well as a list."""
        value = self.body.get("inputs")
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value]

    def input_path(self, index: int) -> tuple[str | int, ...]:
        if isinstance(self.body.get("inputs"), str):
            return (*self.path, "inputs")
        return (*self.path, "inputs", index)

    @property
    def options(self) -> dict[str, Any]:
        return {k: v for k, v in self.body.items() if k not in PLUMBING_KEYS}


def values_at(
    value: Any, path: tuple[str, ...], at: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """The values found at an option path, with where each is; `*` walks every key or list item."""
    if not path:
        yield at, value
        return
    head, rest = path[0], path[1:]
    if isinstance(value, Mapping):
        keys = [str(k) for k in value] if head == "*" else [head] if head in value else []
        for key in keys:
            yield from values_at(value[key], rest, (*at, key))
    elif isinstance(value, list) and head == "*":
        for index, item in enumerate(value):
            yield from values_at(item, rest, (*at, index))


def section_components(sections: Mapping[str, Any]) -> Iterator[Component]:
    """Components of a mapping that has `sources` / `transforms` / `sinks`, in that order."""
    for section in SECTIONS:
        entries = sections.get(section)
        if not isinstance(entries, Mapping):
            continue
        for cid, body in entries.items():
            yield Component(section, str(cid), body if isinstance(body, Mapping) else {})


def pipeline_components(pipeline: Pipeline) -> list[Component]:
    return list(
        section_components({"sources": pipeline.sources, "transforms": pipeline.transforms, "sinks": pipeline.sinks})
    )
