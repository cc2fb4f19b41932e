"""Keeper's registry rules for artifacts declared in Git: versions, approvals as Git acts, policies, transitions.

`derive` computes what Keeper's tables would hold (version states, latest, effective policy) for a commit judged
on its own or as a change to a base; `recorded_state` is that state for a merged commit of the target branch, and
`archived_artifacts` the artifacts a change removes; `registry_changes` lists what a change does to the registry
(for the PR check's plan). `check` reports every rule a commit (or a change, against
its base) breaks, each at the entry it is about.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.keeper.changes import RegistryChange, registry_changes
from reconciler.keeper.policy import EffectivePolicy, effective_policy
from reconciler.keeper.rules import artifact_findings
from reconciler.keeper.semver import InvalidVersion, SemVer, parse_version, version_order_key
from reconciler.keeper.state import (
    AUTO_APPROVER,
    ApprovalRecord,
    ArtifactState,
    VersionState,
    archived_artifacts,
    derive,
    derive_change,
    recorded_state,
)
from reconciler.keeper.transitions import check_transitions
from reconciler.model.diagnostics import Diagnostic

if TYPE_CHECKING:  # the validation runner imports this package: no import back at run time
    from reconciler.validate.context import CheckContext

__all__ = [
    "AUTO_APPROVER",
    "ApprovalRecord",
    "ArtifactState",
    "EffectivePolicy",
    "InvalidVersion",
    "RegistryChange",
    "SemVer",
    "VersionState",
    "archived_artifacts",
    "check",
    "check_transitions",
    "derive",
    "derive_change",
    "effective_policy",
    "parse_version",
    "recorded_state",
    "registry_changes",
    "version_order_key",
]


def check(ctx: CheckContext) -> list[Diagnostic]:
    """Keeper's rules for the commit in `ctx`, with authority from `ctx.authority`; transitions when a base is set."""
    states = derive_change(ctx.model, ctx.base, ctx.actor)
    findings = [finding for state in states.values() for finding in artifact_findings(state)]
    if ctx.base is not None:
        findings.extend(check_transitions(ctx.base, ctx.model, head_states=states))
    return sorted(findings, key=Diagnostic.sort_key)
