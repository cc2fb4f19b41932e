"""What happened to one object in a reconcile."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.kube.compare import FieldChange
from reconciler.kube.objects import ObjectKey

Result = Literal[
    "created",
    "configured",
    "drift corrected",
    "drift reported",
    "conflict",
    "not adopted",
    "failed",
    "pruned",
    "prune refused",
    "prune skipped",
    "prune failed",
]
FAILURES: frozenset[str] = frozenset({"conflict", "not adopted", "failed", "prune failed"})


@dataclass(frozen=True, slots=True)
class Outcome:
    key: ObjectKey
    result: Result
    message: str = ""
    fields: tuple[FieldChange, ...] = ()
    live: Mapping[str, Any] | None = None  # the object as the server returned it, for health

    @property
    def failed(self) -> bool:
        return self.result in FAILURES
