"""Herald's checks, as the validator runs them: per Pipeline document, and where pipelines run across clusters.

Both import their checkers when they run: the per-pipeline checks need the component catalog and the VRL
compiler, which a run whose files are all cached never loads; placements are re-checked only after a Pipeline or
Cluster edit.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.model import Diagnostic, Document
from reconciler.model.checks import CheckContext, CrossCheck, DocumentCheck


def _placements(ctx: CheckContext) -> Iterable[Diagnostic]:
    from reconciler.herald.placement import check_placements

    return check_placements(ctx.model, ctx.declared)


def _pipeline(doc: Document) -> Iterable[Diagnostic]:
    from reconciler.herald.check import check_document

    return check_document(doc)


CROSS_CHECKS = (CrossCheck("herald", frozenset({"Pipeline", "Cluster"}), findings=_placements),)
DOCUMENT_CHECKS: dict[str, DocumentCheck] = {"Pipeline": _pipeline}
