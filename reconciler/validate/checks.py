"""Which checks exist, and what each reads.

Document checks see one schema-valid document and nothing else, so their findings are cached with the file's
blob. Cross-document checks see the whole commit; each names the document kinds it reads so that its findings
can be reused while those documents stay the same. Checks are named by import path and imported on first use:
a run whose findings are all remembered imports none of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from reconciler.model import Diagnostic, Document
from reconciler.validate.context import CheckContext


def _load(target: str) -> Callable[..., Any]:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


@dataclass(frozen=True, slots=True)
class CrossCheck:
    name: str
    target: str  # "package.module:function" taking a CheckContext
    reads: frozenset[str] | None  # the document kinds the check reads; None: anything, so never remembered

    def run(self, ctx: CheckContext) -> Iterable[Diagnostic]:
        return _load(self.target)(ctx)


# Cross-document checks, run on the schema-valid documents of a commit.
CHECKS: tuple[CrossCheck, ...] = (
    CrossCheck("references", "reconciler.validate.references:check", reads=None),
    CrossCheck(
        "chambers",
        "reconciler.validate.chambers:check",
        frozenset({"Workspace", "WorkspaceTemplate", "Cluster", "Team"}),
    ),
    CrossCheck("herald", "reconciler.herald.check:check", frozenset({"Pipeline", "Cluster"})),
    CrossCheck("keeper", "reconciler.keeper:check", frozenset({"Artifact", "Team", "Policy"})),
)

# Per kind, a "package.module:function" taking one schema-valid Document.
DOCUMENT_CHECKS: dict[str, str] = {
    "Pipeline": "reconciler.herald.check:check_document",
}


def check_document(doc: Document) -> list[Diagnostic]:
    target = DOCUMENT_CHECKS.get(doc.kind)
    return list(_load(target)(doc)) if target else []
