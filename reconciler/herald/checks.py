"""Herald's checks, as the validator runs them: per Pipeline document, and where pipelines run across clusters.

Both import their checkers when they run: the per-pipeline checks need the component catalog and the VRL
compiler, which a run whose files are all cached never loads; placements are re-checked only after a Pipeline edit
or an edit of what selects clusters, and then only where the edited pipelines run.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from reconciler.model import Diagnostic, Document
from reconciler.model.checks import (
    CheckContext,
    CheckSubject,
    CrossCheck,
    DocumentCheck,
    FactsEnvironment,
    document_token,
)

if TYPE_CHECKING:
    from reconciler.herald.placing import PlacementRow


def cluster_selection(ctx: CheckContext) -> str:
    """All herald's checks read of clusters: what selects them, the names and labels of the schema-valid ones (in
    order) and the labels of those that fail their schema. It is the checks' environment, not a kind they read,
    so that a Cluster edit that keeps it (its drift mode, its connection, its limits) leaves their findings as they
    were, and so that no finding is taken to follow from an invalid Cluster: a target selecting one gets no
    warning, and a clash never depends on one (it is placed nowhere)."""
    model = ctx.model
    selection = [f"cluster {c.name}\0{sorted(c.labels.items())}" for c in model.clusters.values()]
    selection += (
        f"invalid cluster {name}\0{sorted(doc.labels.items())}"
        for (kind, name), doc in ctx.declared.items()
        if kind == "Cluster" and name not in model.clusters
    )
    return "\n".join(selection)


def _subjects(ctx: CheckContext) -> list[CheckSubject]:
    """Targets that select no cluster read every pipeline and the clusters' selection. Clashes are checked apart
    in each part of the pipelines that run together (see `placing.running_together`), each reading its pipelines
    and where they run. All findings are placed in pipelines."""
    from reconciler.herald.placing import placement_sets, running_together  # after a Pipeline or Cluster edit only

    model = ctx.model
    tokens = {name: document_token(p.doc) for name, p in model.pipelines.items()}
    inputs = (*tokens.values(), cluster_selection(ctx))
    subjects = [CheckSubject("targets", inputs, lambda: _targets(ctx))]
    for rows in running_together(placement_sets(model)):
        numbers: dict[int, int] = {}  # places running the same pipelines share one tuple: read once
        together = []
        for (cluster, role), _, pipelines in rows:
            number = numbers.get(id(pipelines))
            if number is None:
                number = numbers[id(pipelines)] = len(numbers)
                together.append(f"set {number}\0" + "\0".join(tokens[p.name] for p in pipelines))
            together.append(f"{cluster}\0{role}\0{number}")
        key = f"together/{rows[0][2][0].name}"  # no other part holds this pipeline
        subjects.append(CheckSubject(key, tuple(together), functools.partial(_running_together, rows)))
    return subjects


def _targets(ctx: CheckContext) -> Iterable[Diagnostic]:
    from reconciler.herald.placement import check_targets

    return check_targets(ctx.model, ctx.declared)


def _running_together(rows: list[PlacementRow]) -> Iterable[Diagnostic]:
    from reconciler.herald.placement import check_running_together

    return check_running_together(rows)


def _pipeline(doc: Document) -> Iterable[Diagnostic]:
    from reconciler.herald.check import check_document

    return check_document(doc)


# What selects clusters, remembered with the Cluster documents: a run that changes none builds no Cluster for it.
SELECTION = FactsEnvironment(frozenset({"Cluster"}), cluster_selection)
CROSS_CHECKS = (CrossCheck("herald", frozenset({"Pipeline"}), subjects=_subjects, environment=SELECTION),)
DOCUMENT_CHECKS: dict[str, DocumentCheck] = {"Pipeline": _pipeline}
