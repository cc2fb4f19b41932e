"""Herald's checks across a commit: where pipelines run, and whether pipelines that run together clash.

Kept apart from the per-pipeline checks so that re-checking placements (after a Cluster edit) needs neither the
component catalog nor the compiler.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.herald.merge import Conflict, conflicts, conflicts_at
from reconciler.herald.placing import PlacementRow
from reconciler.model import Diagnostic, Document, error, warning
from reconciler.model.kinds import RepoModel


def check_targets(model: RepoModel, declared: Mapping[tuple[str, str], Document]) -> list[Diagnostic]:
    """A label selector that selects no cluster is probably a typo, but not wrong: a warning. Not when it selects
    a Cluster that fails its own checks: that Cluster's errors are the cause. (A cluster named that does not
    exist is an error of its own, from the reference checks.)"""
    invalid = [doc.labels for (kind, name), doc in declared.items() if kind == "Cluster" and name not in model.clusters]
    findings = []
    selects: dict[frozenset[tuple[str, str]], bool] = {}  # per selector: pipelines are many, selectors few
    for pipeline in model.pipelines.values():
        for target in pipeline.targets:
            if target.names:
                continue
            selector = frozenset(target.match_labels.items())
            selected = selects.get(selector)
            if selected is None:
                selected = selects[selector] = bool(model.clusters_matching(target)) or any(
                    all(labels.get(k) == v for k, v in selector) for labels in invalid
                )
            if selected:
                continue
            doc = pipeline.doc
            findings.append(
                warning(
                    f"targets[{target.index}] selects no cluster, so this target deploys nothing",
                    doc.location("spec", "targets", target.index),
                    doc.subject,
                )
            )
    return findings


def conflict_errors(conflicts: Iterable[Conflict]) -> list[Diagnostic]:
    """One error per clash between two pipelines, naming every cluster and role where they meet."""
    grouped: dict[tuple[str, str, str, tuple[str, ...]], list[Conflict]] = {}
    for conflict in conflicts:
        key = (conflict.what, conflict.first.name, conflict.second.name, conflict.path)
        grouped.setdefault(key, []).append(conflict)
    findings = []
    for (what, first, second, path), group in grouped.items():
        where = ", ".join(f"{c.placement[0]} ({c.placement[1]})" for c in group)
        doc = group[0].second.doc
        verb = "is claimed" if what.startswith(("port", "file descriptor")) else "is set"
        message = f"{what} {verb} by both Pipeline/{first} and Pipeline/{second}, which run together on {where}" + (
            " with different values" if what.startswith(("global option", "variable")) else ""
        )
        findings.append(error(message, doc.location(*path), doc.subject))
    return findings


def check_placements(model: RepoModel, declared: Mapping[tuple[str, str], Document] | None = None) -> list[Diagnostic]:
    """`declared`: every document of the commit, valid or not, by (kind, name)."""
    return check_targets(model, declared or {}) + conflict_errors(conflicts(model))


def check_running_together(rows: list[PlacementRow]) -> list[Diagnostic]:
    """The clashes among the pipelines of one part of `placing.running_together`: those `check_placements` finds
    there, since every place where two pipelines meet is in their part."""
    return conflict_errors(conflicts_at(rows))
