"""Every check the validator runs: the validator's own, and those each domain (keeper, herald, chambers)
declares in its `checks` module."""

from __future__ import annotations

import functools
import hashlib
import zlib
from collections.abc import Iterable, Mapping

from reconciler.chambers import checks as chambers
from reconciler.herald import checks as herald
from reconciler.herald.checks import cluster_selection
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
            kind,
            tuple(document_token(doc) for doc in model.documents_of(kind)),
            functools.partial(model.duplicates, kind),
        )
        for kind in KINDS
    ]


# Chambers' objects are checked in this many sets, by a digest of their documents' names.
_NAME_SETS = 64


def _identity_subjects(ctx: CheckContext) -> list[CheckSubject]:
    """Identities per producer (their objects never meet: see `identities`), and chambers' per set of document
    names (same-named documents are in one set). Chambers' read their workspaces and templates, the management
    cluster's name, and of every cluster what places a Workspace: name, role, team and TenantCluster; herald's
    read every pipeline, and of clusters what selects them: name and labels. Their findings are placed in the
    former alone, so a Cluster edit that keeps these (its drift mode, its connection, its limits) leaves them as
    they were, and a Workspace edit re-spells the objects of its set alone."""
    model = ctx.model
    management = model.management_cluster
    # What places a Workspace, of every cluster at once: edits that change it are rare (a drift mode, a
    # connection or a limit leave it), and each set would otherwise spell its clusters' part.
    places = "\n".join(f"{c.name}\0{c.role}\0{c.team}\0{c.tenant_cluster_ref}" for c in model.clusters.values())
    placed = (
        f"management={management.name if management else '-'}\0"
        + hashlib.sha256(places.encode(), usedforsecurity=False).hexdigest()
    )
    inputs: list[list[str]] = [[placed] for _ in range(_NAME_SETS)]
    names: list[set[str]] = [set() for _ in range(_NAME_SETS)]
    for item in (*model.workspace_templates.values(), *model.workspaces.values()):
        number = zlib.crc32(item.name.encode()) % _NAME_SETS
        inputs[number].append(document_token(item.doc))
        names[number].add(item.name)
    subjects = [
        CheckSubject(f"chambers/{n}", tuple(inputs[n]), functools.partial(_chambers_identities, ctx, names[n]))
        for n in range(_NAME_SETS)
        if names[n]
    ]
    herald = [document_token(pipeline.doc) for pipeline in model.pipelines.values()]
    herald.append(cluster_selection(ctx))
    subjects.append(CheckSubject("herald", tuple(herald), functools.partial(_identities, ctx, "herald")))
    return subjects


def _identities(ctx: CheckContext, producer: str) -> Iterable[Diagnostic]:
    # Spelling a producer's identities takes its compilers: loaded only when what places its objects changed
    # since the findings were remembered.
    from reconciler.validate.identities import check

    return check(ctx, producer)


def _chambers_identities(ctx: CheckContext, names: set[str]) -> Iterable[Diagnostic]:
    from reconciler.validate.identities import check_chambers_named

    return check_chambers_named(ctx, names)


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
