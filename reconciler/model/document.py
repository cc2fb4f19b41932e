"""A YAML document as read from the repo: its data plus where each value came from."""

from __future__ import annotations

import marshal
from collections.abc import Mapping
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


class Document:
    """One document of a repo file.

    `positions` maps a JSON path (keys and list indexes) to the 1-based (line, column) where that value's key
    (for mapping entries) or value (for list items and the root) starts in the file.

    A document remembered from an earlier run (`stored`) keeps its body marshalled until it is first read: a
    run that re-checks one edited file reads few of the bodies of the others. Not a dataclass, for that reason;
    read-only by convention.
    """

    __slots__ = ("_body", "_packed", "blob_id", "index", "kind", "name", "path", "positions", "subject")

    def __init__(
        self,
        path: str,
        index: int,  # position of the document within its file, from 0
        body: Mapping[str, Any],
        positions: Mapping[JsonPath, tuple[int, int]],
        blob_id: str = "",
    ) -> None:
        metadata = body.get("metadata")
        name = metadata.get("name", "") if _is_mapping(metadata) else ""
        self._fill(path, index, str(body.get("kind", "")), str(name), positions, blob_id)
        self._body: Mapping[str, Any] | None = body
        self._packed = b""

    @classmethod
    def stored(
        cls,
        path: str,
        index: int,
        kind: str,
        name: str,
        packed: bytes,
        positions: Mapping[JsonPath, tuple[int, int]],
        blob_id: str,
    ) -> Document:
        """A document whose kind and name were read before and whose body is `marshal.dumps` of it."""
        doc = cls.__new__(cls)
        doc._fill(path, index, kind, name, positions, blob_id)
        doc._body, doc._packed = None, packed
        return doc

    def _fill(
        self,
        path: str,
        index: int,
        kind: str,
        name: str,
        positions: Mapping[JsonPath, tuple[int, int]],
        blob_id: str,
    ) -> None:
        self.path, self.index, self.positions, self.blob_id = path, index, positions, blob_id
        # Read from the body once: every step asks for them, many times per document.
        self.kind, self.name, self.subject = kind, name, f"{kind}/{name}"

    @property
    def body(self) -> Mapping[str, Any]:
        if self._body is None:
            self._body = marshal.loads(self._packed)
            self._packed = b""
        return self._body

    def __repr__(self) -> str:
        return f"Document(path={self.path!r}, index={self.index!r}, subject={self.subject!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return (self.path, self.index, self.blob_id, self.body) == (other.path, other.index, other.blob_id, other.body)

    __hash__ = None  # type: ignore[assignment]  # equal documents have equal bodies, which are not hashable

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
