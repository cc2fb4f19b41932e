"""Herald's checks of one pipeline on its own (`check_document`), and of a whole commit (`check_model`)."""

from __future__ import annotations

from reconciler.herald.catalog import Catalog, ComponentType, default_catalog
from reconciler.herald.components import Component, pipeline_components
from reconciler.herald.env import check_env
from reconciler.herald.options import check_global_options, check_options
from reconciler.herald.placement import check_placements
from reconciler.herald.resources import check_claims
from reconciler.herald.topology import check_topology
from reconciler.herald.vrl import check_vrl, enrichment_tables, schema_enabled
from reconciler.model import Diagnostic, Document, build, error
from reconciler.model.kinds import Pipeline, RepoModel
from reconciler.model.suggestions import did_you_mean


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
        hint = did_you_mean(name, catalog.names(component.kind))
    doc = pipeline.doc
    message = f"{component.label}: unknown {component.kind} type `{name}`{hint}"
    return None, [error(message, doc.location(*component.path, "type"), doc.subject)]


def check_pipeline(pipeline: Pipeline, catalog: Catalog) -> list[Diagnostic]:
    """Everything that makes one pipeline a config Vector accepts."""
    doc = pipeline.doc
    components = pipeline_components(pipeline)
    findings = check_global_options(pipeline.global_options, catalog, doc)
    types: dict[str, ComponentType | None] = {}
    tables = enrichment_tables(pipeline.global_options)
    typed = schema_enabled(pipeline.global_options)
    for component in components:
        ctype, type_findings = _component_type(component, catalog, pipeline)
        findings += type_findings
        types.setdefault(component.id, ctype)
        if ctype is not None:
            findings += check_options(component, ctype, catalog, doc)
            findings += check_vrl(component, ctype, doc, tables, typed)
    findings += check_topology(components, types, doc)
    findings += check_claims(components, doc)
    findings += check_env(pipeline, components, types)
    return findings


def check_model(model: RepoModel, catalog: Catalog | None = None) -> list[Diagnostic]:
    catalog = catalog or default_catalog()
    findings: list[Diagnostic] = []
    for pipeline in sorted(model.pipelines.values(), key=lambda p: p.name):
        findings += check_pipeline(pipeline, catalog)
    findings += check_placements(model)
    return findings


def check_document(doc: Document) -> list[Diagnostic]:
    """The checks of one Pipeline on its own (cached with its file by the validation runner)."""
    return check_pipeline(build.pipeline(doc), default_catalog())
