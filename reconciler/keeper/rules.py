"""Single-commit findings: bad version strings, metadata of another type, approval entries that do not count,
versions short of approvals.

Access rules (role, one approval per person, the change's author, rejected versions) are always errors: an entry
that claims a review which did not count is wrong. Policy rules follow the effective enforcement level: `block`
is an error, `warn` a warning, `audit` is only recorded in the derived state.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.keeper.metadata import metadata_findings
from reconciler.keeper.policy import Enforcement
from reconciler.keeper.state import POLICY_RULES, ApprovalProblem, ArtifactState, VersionState
from reconciler.model.diagnostics import Diagnostic, Location, error, warning

Report = Callable[[str, Location | None, str | None], Diagnostic]

_POLICY_SEVERITY: dict[str, Report | None] = {"block": error, "warn": warning, "audit": None}
# Too few approvals is a normal state (review in progress): never more than a warning.
_SHORTFALL_SEVERITY: dict[str, Report | None] = {"block": warning, "warn": warning, "audit": None}


def _report_for(problem: ApprovalProblem, enforcement: Enforcement) -> Report | None:
    return _POLICY_SEVERITY[enforcement] if problem.rule in POLICY_RULES else error


def _shortfall(version: VersionState) -> str | None:
    if version.approval_status != "pending" or version.written_approvals == 0:
        return None
    return (
        f"version {version.version} is pending: {len(version.approvals)} of {version.required_approvals} "
        "required valid approvals"
    )


def approval_findings(state: ArtifactState) -> list[Diagnostic]:
    doc = state.artifact.doc
    enforcement = state.policy.enforcement_level
    findings: list[Diagnostic] = []
    for version in state.versions:
        for problem in version.problems:
            report = _report_for(problem, enforcement)
            if report is not None:
                where = doc.location("spec", "versions", version.index, "approvals", problem.index)
                findings.append(report(problem.message, where, doc.subject))
        shortfall = _shortfall(version)
        report = _SHORTFALL_SEVERITY[enforcement]
        if shortfall is not None and report is not None:
            findings.append(
                report(shortfall, doc.location("spec", "versions", version.index, "approvals"), doc.subject)
            )
    return findings


def artifact_findings(state: ArtifactState) -> list[Diagnostic]:
    """Everything one commit says about one artifact's versions."""
    return [
        *state.version_problems,
        *state.time_problems,
        *metadata_findings(state.artifact),
        *approval_findings(state),
    ]
