"""Herald's checks: of one pipeline on its own (`check_document`), and across a commit (`check`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from reconciler.herald.catalog import Catalog, ComponentType, default_catalog
from reconciler.herald.components import Component, pipeline_components
from reconciler.herald.env import check_env
from reconciler.herald.merge import Conflict, merged_configs
from reconciler.herald.options import check_global_options, check_options
from reconciler.herald.topology import check_topology
from reconciler.herald.vrl import check_vrl
from reconciler.model import Diagnostic, Document, build, error, warning
from reconciler.model.kinds import Pipeline, RepoModel

if TYPE_CHECKING:  # the validation runner imports this module: a runtime import would be circular
    from reconciler.validate.context import CheckContext


def _component_type(
    component: Component, catalog: Catalog, pipeline: Pipeline
) -> tuple[ComponentType | None, list[Diagnostic]]:
    name = component.type_name
    ctype = catalog.lookup(component.kind, name)
    if ctype is not None:
        return ctype, []
    other_kinds = [k for k in catalog.kinds_with(name) if k != component.kind]
    if other_kinds:
        hint = f": `{name}` is a {' and a '.join(other_kinds)} type, not a {component.kind} type"
    else:
        suggestion = catalog.suggest(component.kind, name)
        hint = f" (did you mean `{suggestion}`?)" if suggestion else ""
    doc = pipeline.doc
    message = f"{component.label}: unknown {component.kind} type `{name}`{hint}"
    return None, [error(message, doc.location(*component.path, "type"), doc.subject)]


def check_pipeline(pipeline: Pipeline, catalog: Catalog) -> list[Diagnostic]:
    """Everything that makes one pipeline a config Vector accepts."""
    doc = pipeline.doc
    components = pipeline_components(pipeline)
    findings = check_global_options(pipeline.global_options, catalog, doc)
    types: dict[str, ComponentType | None] = {}
    for component in components:
        ctype, type_findings = _component_type(component, catalog, pipeline)
        findings += type_findings
        types.setdefault(component.id, ctype)
        if ctype is not None:
            findings += check_options(component, ctype, catalog, doc)
            findings += check_vrl(component, ctype, doc)
    findings += check_topology(components, types, doc)
    findings += check_env(pipeline, components, types)
    return findings


def check_targets(model: RepoModel) -> list[Diagnostic]:
    """A target that selects no cluster is probably a typo, but not wrong: a warning."""
    findings = []
    for pipeline in model.pipelines.values():
        for target in pipeline.targets:
            if not model.clusters_matching(target):
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
        message = f"{what} is set by both Pipeline/{first} and Pipeline/{second}, which run together on {where}" + (
            " with different values" if not what.startswith("component") else ""
        )
        findings.append(error(message, doc.location(*path), doc.subject))
    return findings


def check_model(model: RepoModel, catalog: Catalog | None = None) -> list[Diagnostic]:
    catalog = catalog or default_catalog()
    findings: list[Diagnostic] = []
    for pipeline in sorted(model.pipelines.values(), key=lambda p: p.name):
        findings += check_pipeline(pipeline, catalog)
    findings += check_targets(model)
    findings += conflict_errors(c for merged in merged_configs(model, catalog) for c in merged.conflicts)
    return findings


def check_document(doc: Document) -> list[Diagnostic]:
    """The checks of one Pipeline on its own (cached with its file by the validation runner)."""
    return check_pipeline(build.pipeline(doc), default_catalog())


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    """What needs other documents: target selectors and pipelines merged onto one cluster."""
    catalog = default_catalog()
    findings = check_targets(ctx.model)
    findings += conflict_errors(c for merged in merged_configs(ctx.model, catalog) for c in merged.conflicts)
    return findings
