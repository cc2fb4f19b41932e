"""Keeper's registry rules for artifacts declared in Git: versions, approvals as Git acts, policies, transitions.

`derive` computes what Keeper's tables would hold (version states, latest, effective policy) for a commit judged
on its own or as a change to a base; `recorded_state` is that state for a merged commit of the target branch, and
`archived_artifacts` the artifacts a change removes; `registry_changes` lists what a change does to the registry
(for the PR check's plan). `check` reports every rule a commit (or a change, against
its base) breaks, each at the entry it is about.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from reconciler.keeper.authority import change_relaxation, relaxation_findings
from reconciler.keeper.changes import RegistryChange, registry_changes
from reconciler.keeper.policy import PLATFORM_TEAM, EffectivePolicy, effective_policy
from reconciler.keeper.registry import RecordedArtifact, RecordedRegistry, recorded_key_findings
from reconciler.keeper.rules import artifact_findings
from reconciler.keeper.semver import InvalidVersion, SemVer, parse_version, version_order_key
from reconciler.keeper.state import (
    AUTO_APPROVER,
    ApprovalRecord,
    ArtifactState,
    VersionState,
    archived_artifacts,
    derive,
    derive_artifact,
    derive_change,
    recorded_state,
)
from reconciler.keeper.timestamps import horizon, times_after
from reconciler.keeper.transitions import artifact_transition_findings, check_transitions, registry_key_reuse
from reconciler.model.diagnostics import Diagnostic
from reconciler.validate.checks import Subject, document_token

if TYPE_CHECKING:
    from reconciler.model.kinds import Artifact
    from reconciler.validate.context import CheckContext

__all__ = [
    "AUTO_APPROVER",
    "ApprovalRecord",
    "ArtifactState",
    "EffectivePolicy",
    "InvalidVersion",
    "RecordedArtifact",
    "RecordedRegistry",
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


def _findings_of(ctx: CheckContext, artifact: Artifact) -> list[Diagnostic]:
    state = derive_artifact(artifact, ctx.model, ctx.base, ctx.actor, now=ctx.now)
    findings = artifact_findings(state)
    before = ctx.base.artifacts.get(artifact.name) if ctx.base is not None else None
    if ctx.base is not None and before is not None:
        findings.extend(artifact_transition_findings(derive_artifact(before, ctx.base, ctx.base), state))
    if ctx.base is not None and (relaxed := change_relaxation(artifact, before, ctx.base, ctx.actor)) is not None:
        findings.extend(relaxation_findings(relaxed, artifact))
    return findings


def subjects(ctx: CheckContext) -> list[Subject]:
    """Keeper's rules as independent subjects: each artifact (with everything its state depends on: its
    document and its base version, its team in the authority and in the change, the authority's policies, the
    actor), and, for a change, the registry keys it frees and takes."""
    authority = ctx.authority
    policies = hashlib.sha256(
        "\n".join(document_token(p.doc) for _, p in sorted(authority.policies.items())).encode(),
        usedforsecurity=False,
    ).hexdigest()
    result = []
    for name, artifact in sorted(ctx.model.artifacts.items()):
        before = ctx.base.artifacts.get(name) if ctx.base is not None else None
        team = (before or artifact).team or PLATFORM_TEAM
        inputs = (
            document_token(artifact.doc),
            document_token(before.doc if before else None),
            document_token(t.doc if (t := authority.teams.get(team)) else None),
            document_token(t.doc if (t := ctx.model.teams.get(team)) else None),
            policies,
            f"base={ctx.base is not None}",
            f"actor={ctx.actor}",
            f"clock={ctx.now is not None}",
            "future=" + "\0".join(times_after(artifact, _latest_time(ctx))),
        )
        result.append(Subject(f"artifact/{name}", inputs, functools.partial(_findings_of, ctx, artifact)))
    if ctx.recorded is not None:
        recorded, model = ctx.recorded, ctx.model
        keys = tuple(document_token(a.doc) for _, a in sorted(model.artifacts.items()))
        result.append(
            Subject("recorded-keys", (*keys, recorded.digest), lambda: recorded_key_findings(model, recorded))
        )
    if ctx.base is not None:
        base, head = ctx.base, ctx.model
        keys = tuple(document_token(a.doc) for model in (base, head) for _, a in sorted(model.artifacts.items()))
        result.append(Subject("registry-keys", keys, lambda: registry_key_reuse(base, head)))
    return result


def _latest_time(ctx: CheckContext) -> datetime | None:
    return horizon(ctx.now) if ctx.now is not None else None


def environment_token(ctx: CheckContext) -> str:
    """What the findings read besides documents: which recorded times lie after the commit's, and what the
    database holds."""
    latest = _latest_time(ctx)
    future = [f"{name}={t}" for name, a in sorted(ctx.model.artifacts.items()) for t in times_after(a, latest)]
    recorded = ctx.recorded.digest if ctx.recorded is not None else "-"
    return f"clock={latest is not None}\0recorded={recorded}\0" + "\0".join(future)


def check(ctx: CheckContext) -> list[Diagnostic]:
    """Keeper's rules for the commit in `ctx`, with authority from `ctx.authority`; transitions when a base is set."""
    return sorted((f for subject in subjects(ctx) for f in subject.run()), key=Diagnostic.sort_key)
