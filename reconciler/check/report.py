"""The report of a change: findings, then per cluster the objects, then Keeper's, Herald's and Chambers' parts.

A pure function of the base's and the head's validations (the head validated with authority from the base, as
`validate --base` does) and, optionally, their pipeline tests' results and the pull request's reviews. What needs
a compiled commit (objects, Vector configs) is left out while either commit has errors (a failing test is not
one: it judges the config, it does not prevent it), and the report says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler.build import Build, BuildSettings
from reconciler.check.chambers import ChambersPart, chambers_part
from reconciler.check.herald import HeraldPart, herald_part
from reconciler.check.keeper import KeeperPart, added_approvals, changed_artifacts, keeper_part
from reconciler.check.objects import ClusterObjects, affected_clusters, cluster_objects
from reconciler.check.reviews import Reviews, approval_refusals, review_findings
from reconciler.herald.tests.findings import results_findings
from reconciler.herald.tests.results import PipelineTests
from reconciler.model.diagnostics import Diagnostic, Severity
from reconciler.validate import Validation

if TYPE_CHECKING:
    from reconciler.kube.cluster_reconcile import ClusterReport

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}


@dataclass(frozen=True, slots=True)
class CheckReport:
    base: str  # the base commit
    head: str  # the head commit
    documents_changed: int  # document files added, changed or removed
    findings: tuple[Diagnostic, ...]  # errors first, then warnings, then notes; each by place
    clusters: tuple[ClusterObjects, ...]
    keeper: KeeperPart
    herald: HeraldPart
    chambers: ChambersPart
    not_compiled: str = ""  # why objects and Vector configs are not compared ("" when they are)
    live: tuple[ClusterReport, ...] | None = None  # with --live: the clusters' own dry-run plans instead

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARNING for f in self.findings)

    def failed(self, strict: bool) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


def ordered(findings: Sequence[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Errors first, then warnings, then notes; each by place."""
    return tuple(sorted(findings, key=lambda d: (_SEVERITY_ORDER[d.severity], *d.sort_key())))


def documents_changed(base: Validation, head: Validation) -> int:
    before = {f.path: f.blob_id for f in base.source.files}
    after = {f.path: f.blob_id for f in head.source.files}
    return sum(before.get(path) != after.get(path) for path in before.keys() | after.keys())


def _declared(validation: Validation) -> dict[str, set[str]]:
    """Names by kind of every document, invalid ones included."""
    names: dict[str, set[str]] = {"Artifact": set(), "Workspace": set()}
    for doc in validation.documents:
        names.setdefault(doc.kind, set()).add(doc.name)
    return names


def _not_compiled(base: Validation, head: Validation) -> str:
    if head.errors:
        return "the head has errors, so what it compiles to is not compared"
    if base.errors:
        return "the base has errors, so what it compiles to is not compared"
    return ""


def check_change(
    base: Validation,
    head: Validation,
    *,
    actor: str | None = None,
    reviews: Reviews | None = None,
    settings: BuildSettings | None = None,
    tests: tuple[PipelineTests, PipelineTests] | None = None,
) -> CheckReport:
    """`tests`: the pipeline tests' results of the base and of the head (None: not run); a failing test of the
    head is an error."""
    settings = settings or BuildSettings()
    declared = _declared(head)
    artifacts = changed_artifacts(base.model, head.model, declared["Artifact"])
    added = added_approvals(base.model, head.model, artifacts)
    refused = approval_refusals(added, base.model, reviews, head.source.commit or "") if reviews else {}
    tested = results_findings(tests[1]) if tests else []
    findings = ordered([*head.diagnostics, *tested, *review_findings(added, refused)])
    not_compiled = _not_compiled(base, head)
    base_build, head_build = Build(base, settings), Build(head, settings)
    affected = affected_clusters(base.model, head.model)
    clusters = (
        ()
        if not_compiled
        else cluster_objects(
            base_build.manifests_on(affected), head_build.manifests_on(affected), head.model, settings.instance
        )
    )
    return CheckReport(
        base=base.source.commit or "",
        head=head.source.commit or "",
        documents_changed=documents_changed(base, head),
        findings=findings,
        clusters=clusters,
        keeper=keeper_part(
            base.model, head.model, artifacts, actor=actor, now=head.source.committed_at, added=added, refused=refused
        ),
        herald=herald_part(base_build, head_build, affected, compiled=not not_compiled, tests=tests),
        chambers=chambers_part(base.model, head.model, declared["Workspace"]),
        not_compiled=not_compiled,
    )
