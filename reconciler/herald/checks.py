"""Herald's checks, as the validator runs them: per Pipeline document, and where pipelines run across clusters.

Both import their checkers when they run: the per-pipeline checks need the component catalog and the VRL
compiler, which a run whose files are all cached never loads; placements are re-checked only after a Pipeline edit
or an edit of what selects clusters.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.model import Diagnostic, Document
from reconciler.model.checks import CheckContext, CheckSubject, CrossCheck, DocumentCheck, document_token


def _subjects(ctx: CheckContext) -> list[CheckSubject]:
    """Placements read every pipeline, and of clusters only what selects them: the names and labels of the
    schema-valid ones (in order) and the labels of those that fail their schema. Their findings are placed in
    pipelines alone, so a Cluster edit that keeps its name and labels leaves them as they were."""
    model = ctx.model
    inputs = [document_token(p.doc) for p in model.pipelines.values()]
    inputs += (f"cluster {c.name}\0{sorted(c.labels.items())}" for c in model.clusters.values())
    inputs += (
        f"invalid cluster {name}\0{sorted(doc.labels.items())}"
        for (kind, name), doc in ctx.declared.items()
        if kind == "Cluster" and name not in model.clusters
    )
    return [CheckSubject("placements", tuple(inputs), lambda: _placements(ctx))]


def _placements(ctx: CheckContext) -> Iterable[Diagnostic]:
    from reconciler.herald.placement import check_placements

    return check_placements(ctx.model, ctx.declared)


def _pipeline(doc: Document) -> Iterable[Diagnostic]:
    from reconciler.herald.check import check_document

    return check_document(doc)


CROSS_CHECKS = (CrossCheck("herald", frozenset({"Pipeline", "Cluster"}), subjects=_subjects),)
DOCUMENT_CHECKS: dict[str, DocumentCheck] = {"Pipeline": _pipeline}
