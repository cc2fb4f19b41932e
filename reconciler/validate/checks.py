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
from reconciler.validate.names import check_name


def _load(target: str) -> Callable[..., Any]:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


@dataclass(frozen=True, slots=True)
class Subject:
    """One independent part of a check: its findings depend on `inputs` alone, so they are remembered apart
    from the other parts (an edit of one team re-checks that team's artifacts, not all of them)."""

    key: str  # unique within its check
    inputs: tuple[str, ...]  # tokens of everything the findings depend on (see `document_token`)
    run: Callable[[], Iterable[Diagnostic]]


def document_token(doc: Document | None) -> str:
    return f"{doc.path}\0{doc.index}\0{doc.blob_id}" if doc is not None else "-"


@dataclass(frozen=True, slots=True)
class CrossCheck:
    name: str
    target: str  # "package.module:function" taking a CheckContext: findings, or with `by_subject`, Subjects
    reads: frozenset[str] | None  # the document kinds the check reads; None: anything, so never remembered
    by_subject: bool = False
    # "package.module:function" taking a CheckContext: a token of what the findings read besides documents
    # (the clock, the database), so that remembered findings are reused only while it stays the same.
    environment: str | None = None

    def environment_token(self, ctx: CheckContext) -> str:
        return str(_load(self.environment)(ctx)) if self.environment else ""

    def run(self, ctx: CheckContext) -> Iterable[Diagnostic]:
        if self.by_subject:
            return [finding for subject in self.subjects(ctx) for finding in subject.run()]
        return _load(self.target)(ctx)

    def subjects(self, ctx: CheckContext) -> Iterable[Subject]:
        return _load(self.target)(ctx)


# Cross-document checks, run on the schema-valid documents of a commit.
CHECKS: tuple[CrossCheck, ...] = (
    CrossCheck("references", "reconciler.validate.references:check", reads=None),
    CrossCheck("hidden", "reconciler.validate.hidden:check", reads=None),
    CrossCheck("connections", "reconciler.validate.connections:check", frozenset({"Cluster"})),
    CrossCheck(
        "chambers",
        "reconciler.validate.chambers:check",
        frozenset({"Workspace", "WorkspaceTemplate", "Cluster", "Team"}),
    ),
    CrossCheck("herald", "reconciler.herald.placement:check", frozenset({"Pipeline", "Cluster"})),
    CrossCheck(
        "identities",
        "reconciler.validate.identities:check",
        frozenset({"Workspace", "WorkspaceTemplate", "Cluster", "Pipeline"}),
    ),
    CrossCheck(
        "keeper",
        "reconciler.keeper:subjects",
        frozenset({"Artifact", "Team", "Policy"}),
        by_subject=True,
        environment="reconciler.keeper:environment_token",
    ),
)

# Per kind, a "package.module:function" taking one schema-valid Document.
DOCUMENT_CHECKS: dict[str, str] = {
    "Artifact": "reconciler.keeper.timestamps:check_document",
    "Pipeline": "reconciler.herald.check:check_document",
}


def check_document(doc: Document) -> list[Diagnostic]:
    """The checks of one schema-valid document on its own: its name, wherever it ends up, then its kind's."""
    findings = check_name(doc)
    target = DOCUMENT_CHECKS.get(doc.kind)
    return findings + list(_load(target)(doc)) if target else findings
