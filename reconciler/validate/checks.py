"""Every check the validator runs: the validator's own, and those each domain (keeper, herald, chambers)
declares in its `checks` module."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from reconciler.chambers import checks as chambers
from reconciler.herald import checks as herald
from reconciler.keeper import checks as keeper
from reconciler.model import Diagnostic, Document
from reconciler.model.checks import CheckContext, CheckSubject, CrossCheck, DocumentCheck, document_token
from reconciler.model.diagnostics import under_rule
from reconciler.validate.connections import check as check_connections
from reconciler.validate.hidden import check as check_hidden
from reconciler.validate.names import check_name
from reconciler.validate.references import check as check_references


def _identity_subjects(ctx: CheckContext) -> list[CheckSubject]:
    """Identities per producer (their objects never meet: see `identities`). Chambers' read every workspace and
    template, and of clusters what places a Workspace: name, role, team and TenantCluster; herald's read every
    pipeline, and of clusters what selects them: name and labels. Their findings are placed in the former alone,
    so a Cluster edit that keeps these (its drift mode, its connection, its limits) leaves them as they were."""
    model = ctx.model
    chambers = [document_token(item.doc) for item in (*model.workspaces.values(), *model.workspace_templates.values())]
    chambers += (f"cluster {c.name}\0{c.role}\0{c.team}\0{c.tenant_cluster_ref}" for c in model.clusters.values())
    herald = [document_token(pipeline.doc) for pipeline in model.pipelines.values()]
    herald += (f"cluster {c.name}\0{sorted(c.labels.items())}" for c in model.clusters.values())
    return [
        CheckSubject("chambers", tuple(chambers), functools.partial(_identities, ctx, "chambers")),
        CheckSubject("herald", tuple(herald), functools.partial(_identities, ctx, "herald")),
    ]


def _identities(ctx: CheckContext, producer: str) -> Iterable[Diagnostic]:
    # Spelling a producer's identities takes its compilers: loaded only when what places its objects changed
    # since the findings were remembered.
    from reconciler.validate.identities import check

    return check(ctx, producer)


# Cross-document checks, run on the schema-valid documents of a commit.
CHECKS: tuple[CrossCheck, ...] = (
    CrossCheck("references", None, findings=check_references),
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
