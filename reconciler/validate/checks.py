"""Every check the validator runs: the validator's own, and those each domain (keeper, herald, chambers)
declares in its `checks` module."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial

from reconciler.chambers import checks as chambers
from reconciler.herald import checks as herald
from reconciler.keeper import checks as keeper
from reconciler.model import Diagnostic, Document
from reconciler.model.checks import CheckContext, CheckSubject, CrossCheck, DocumentCheck, document_token
from reconciler.model.diagnostics import under_rule
from reconciler.model.kinds import KINDS
from reconciler.validate.connections import check as check_connections
from reconciler.validate.hidden import check as check_hidden
from reconciler.validate.names import check_name
from reconciler.validate.references import READMES, REFERENCES_READ
from reconciler.validate.references import subjects as reference_subjects


def _duplicate_subjects(ctx: CheckContext) -> list[CheckSubject]:
    """Per kind, the identities declared twice: an edit re-checks (and builds) its own kind alone."""
    model = ctx.model
    return [
        CheckSubject(
            kind, tuple(document_token(doc) for doc in model.documents_of(kind)), partial(model.duplicates, kind)
        )
        for kind in KINDS
    ]


def _identity_subjects(ctx: CheckContext) -> list[CheckSubject]:
    """Identities read every workspace, template and pipeline, and of clusters only what places objects: name,
    role, team, labels and TenantCluster. Their findings are placed in the former alone, so a Cluster edit that
    keeps these (its drift mode, its connection, its limits) leaves them as they were."""
    model = ctx.model
    documents = (*model.workspaces.values(), *model.workspace_templates.values(), *model.pipelines.values())
    inputs = [document_token(item.doc) for item in documents]
    inputs += (
        f"cluster {c.name}\0{c.role}\0{c.team}\0{c.tenant_cluster_ref}\0{sorted(c.labels.items())}"
        for c in model.clusters.values()
    )
    return [CheckSubject("objects", tuple(inputs), lambda: _identities(ctx))]


def _identities(ctx: CheckContext) -> Iterable[Diagnostic]:
    # Spelling every object's identity takes every compiler: loaded only when what places objects changed since
    # the findings were remembered.
    from reconciler.validate.identities import check

    return check(ctx)


# Cross-document checks, run on the schema-valid documents of a commit.
CHECKS: tuple[CrossCheck, ...] = (
    CrossCheck("duplicates", frozenset(KINDS), subjects=_duplicate_subjects, handles_invalid=True),
    CrossCheck("references", REFERENCES_READ, subjects=reference_subjects, environment=READMES, handles_invalid=True),
    CrossCheck("hidden", None, findings=check_hidden),
    CrossCheck("connections", frozenset({"Cluster"}), findings=check_connections),
    *chambers.CROSS_CHECKS,
    *herald.CROSS_CHECKS,
    CrossCheck(
        "identities", frozenset({"Workspace", "WorkspaceTemplate", "Cluster", "Pipeline"}), subjects=_identity_subjects
    ),
    *keeper.CROSS_CHECKS,
)

# Per kind, the checks of one schema-valid document.
DOCUMENT_CHECKS: Mapping[str, DocumentCheck] = {**keeper.DOCUMENT_CHECKS, **herald.DOCUMENT_CHECKS}


def check_document(doc: Document) -> list[Diagnostic]:
    """The checks of one schema-valid document on its own: its name, wherever it ends up, then its kind's (whose
    findings carry the kind's name as their rule: "artifact", "pipeline")."""
    findings = check_name(doc)
    kind_check = DOCUMENT_CHECKS.get(doc.kind)
    return findings + under_rule(kind_check(doc), doc.kind.lower()) if kind_check else findings
