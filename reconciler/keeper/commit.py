"""Keeper's rules for one commit (or a change, against its base) as independent subjects: each artifact
with everything its state depends on, and the registry keys a change frees and takes."""

from __future__ import annotations

import functools
import hashlib
from typing import TYPE_CHECKING

from reconciler.keeper.authority import change_relaxation, relaxation_findings
from reconciler.keeper.policy import PLATFORM_TEAM
from reconciler.keeper.registry import recorded_key_findings
from reconciler.keeper.rules import artifact_findings
from reconciler.keeper.state import derive_artifact
from reconciler.keeper.timestamps import future_times, latest_time
from reconciler.keeper.transitions import artifact_transition_findings, registry_key_reuse
from reconciler.model.checks import CheckSubject, document_token
from reconciler.model.diagnostics import Diagnostic

if TYPE_CHECKING:
    from reconciler.model.checks import CheckContext
    from reconciler.model.kinds import Artifact


def _findings_of(ctx: CheckContext, artifact: Artifact) -> list[Diagnostic]:
    state = derive_artifact(artifact, ctx.model, ctx.base, ctx.actor, now=ctx.now)
    findings = artifact_findings(state)
    before = ctx.base.artifacts.get(artifact.name) if ctx.base is not None else None
    if ctx.base is not None and before is not None:
        findings.extend(artifact_transition_findings(derive_artifact(before, ctx.base, ctx.base), state))
    if ctx.base is not None and (relaxed := change_relaxation(artifact, before, ctx.base, ctx.actor)) is not None:
        findings.extend(relaxation_findings(relaxed, artifact))
    return findings


def subjects(ctx: CheckContext) -> list[CheckSubject]:
    """Keeper's rules as independent subjects: each artifact (with everything its state depends on: its
    document and its base version, its team in the authority and in the change, the authority's policies, the
    actor), and, for a change, the registry keys it frees and takes."""
    authority = ctx.authority
    policies = hashlib.sha256(
        "\n".join(document_token(p.doc) for _, p in sorted(authority.policies.items())).encode(),
        usedforsecurity=False,
    ).hexdigest()
    # What every artifact's state reads alike, and each team's documents, spelled once.
    shared = f"{policies}\0base={ctx.base is not None}\0actor={ctx.actor}\0clock={ctx.now is not None}"
    teams: dict[str, str] = {}
    for team in {*authority.teams, *ctx.model.teams}:
        here, there = authority.teams.get(team), ctx.model.teams.get(team)
        teams[team] = f"{document_token(here.doc if here else None)}\0{document_token(there.doc if there else None)}"
    future = future_times(ctx.model.artifacts.values(), latest_time(ctx.now))
    result = []
    for name, artifact in sorted(ctx.model.artifacts.items()):
        before = ctx.base.artifacts.get(name) if ctx.base is not None else None
        team = (before or artifact).team or PLATFORM_TEAM
        inputs = (
            document_token(artifact.doc),
            document_token(before.doc if before else None),
            teams.get(team, "-\0-"),
            shared,
            "future=" + "\0".join(future.get(name, ())),
        )
        result.append(CheckSubject(f"artifact/{name}", inputs, functools.partial(_findings_of, ctx, artifact)))
    if ctx.recorded is not None:
        recorded, model = ctx.recorded, ctx.model
        keys = tuple(document_token(a.doc) for _, a in sorted(model.artifacts.items()))
        result.append(
            CheckSubject("recorded-keys", (*keys, recorded.digest), lambda: recorded_key_findings(model, recorded))
        )
    if ctx.base is not None:
        base, head = ctx.base, ctx.model
        keys = tuple(document_token(a.doc) for model in (base, head) for _, a in sorted(model.artifacts.items()))
        result.append(CheckSubject("registry-keys", keys, lambda: registry_key_reuse(base, head)))
    return result


def check(ctx: CheckContext) -> list[Diagnostic]:
    """Keeper's rules for the commit in `ctx`, with authority from `ctx.authority`; transitions when a base is set."""
    return sorted((f for subject in subjects(ctx) for f in subject.run()), key=Diagnostic.sort_key)
