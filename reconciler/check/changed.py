"""Which documents of a kind a change adds, edits or removes, by name: what each part of the report looks at."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from reconciler.model.document import Document


class Declared(Protocol):
    @property
    def doc(self) -> Document: ...


def changed_names(before: Mapping[str, Declared], after: Mapping[str, Declared]) -> set[str]:
    """Names whose document differs between the commits, or is in one of them only."""
    return {n for n in before.keys() | after.keys() if _body(before.get(n)) != _body(after.get(n))}


def _body(item: Declared | None) -> Any:
    return item.doc.body if item is not None else None
