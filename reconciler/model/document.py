"""A YAML document as read from the repo: its data plus where each value came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.model.diagnostics import Location

JsonPath = tuple[str | int, ...]


def dotted(path: JsonPath) -> str:
    """A JSON path as people write it: spec.sources.app.inputs[0]."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "document"


def _is_mapping(value: object) -> bool:
    # Parsed YAML is made of dicts; the abstract check, ten times slower, runs only for anything else.
    return type(value) is dict or isinstance(value, Mapping)


@dataclass(frozen=True, slots=True)
class Document:
    """One document of a repo file.

    `positions` maps a JSON path (keys and list indexes) to the 1-based (line, column) where that value's key
    (for mapping entries) or value (for list items and the root) starts in the file.
    """

    path: str
    index: int  # position of the document within its file, from 0
    body: Mapping[str, Any]
    positions: Mapping[JsonPath, tuple[int, int]] = field(repr=False, compare=False)
    blob_id: str = ""
    # Read from `body` once: every step asks for them, many times per document.
    kind: str = field(init=False)
    name: str = field(init=False)
    subject: str = field(init=False)  # "Kind/name"

    def __post_init__(self) -> None:
        metadata = self.body.get("metadata")
        kind = str(self.body.get("kind", ""))
        name = str(metadata.get("name", "")) if _is_mapping(metadata) else ""
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "subject", f"{kind}/{name}")

    @property
    def spec(self) -> Mapping[str, Any]:
        spec = self.body.get("spec")
        return spec if _is_mapping(spec) else {}

    @property
    def labels(self) -> Mapping[str, str]:
        metadata = self.body.get("metadata")
        labels = metadata.get("labels") if _is_mapping(metadata) else None
        return labels if _is_mapping(labels) else {}

    def location(self, *path: str | int) -> Location:
        """Where `path` is written; the nearest written ancestor when the value itself is absent."""
        key: JsonPath = tuple(path)
        while key and key not in self.positions:
            key = key[:-1]
        line, column = self.positions.get(key, (1, 1))
        return Location(self.path, line, column)
