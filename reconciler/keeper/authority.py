"""Inline approval policies are judged by the base, like every other grant of authority.

An artifact's inline `approvalPolicy` (new, or changed) may not ask less than its floor — what the base gives the
artifact without it: the base's Policies for a change (`validate --base`), the inline policy in force for a sync
(what the database recorded) — unless the actor is an admin of the owning team by the base. Either way the
relaxation is reported; when it is not allowed, the artifact's versions are judged by the floor on every rule the
inline policy relaxes, so the change cannot approve itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from reconciler.keeper.policy import (
    PLATFORM_TEAM,
    EffectivePolicy,
    effective_policy,
    restrained,
    weakened_rules,
)
from reconciler.model.diagnostics import Diagnostic, error, warning
from reconciler.model.kinds import Artifact, RepoModel


@dataclass(frozen=True, slots=True)
class Relaxation:
    """Rules an inline policy relaxes below its floor."""

    artifact: Artifact
    weaker: Mapping[str, Any]  # rule → the floor's value
    policy: EffectivePolicy  # with the inline policy as written
    floor: EffectivePolicy
    team: str
    actor: str | None
    allowed: bool  # the actor is an admin of the owning team by the base

    @property
    def governing(self) -> Artifact:
        """The artifact as its versions are judged: the inline policy as written only when allowed."""
        return self.artifact if self.allowed else restrained(self.artifact, self.weaker)


def relaxation(
    artifact: Artifact, floor_inline: Mapping[str, Any], policies: RepoModel, admins: frozenset[str], actor: str | None
) -> Relaxation | None:
    """How `artifact`'s inline policy relaxes the floor (the Policies of `policies` plus `floor_inline`); None when
    it asks at least as much. `admins` are the owning team's admins by the base (lower-cased)."""
    if not artifact.approval_policy or artifact.approval_policy == floor_inline:
        return None
    policy = effective_policy(artifact, policies)
    floor = effective_policy(replace(artifact, approval_policy=floor_inline), policies)
    weaker = weakened_rules(policy, floor)
    if not weaker:
        return None
    allowed = actor is not None and actor.lower() in admins
    return Relaxation(artifact, weaker, policy, floor, artifact.team or PLATFORM_TEAM, actor, allowed)


def admins_of(model: RepoModel, team: str) -> frozenset[str]:
    found = model.teams.get(team)
    return frozenset(m.name.lower() for m in found.users if m.role == "admin") if found is not None else frozenset()


def change_relaxation(
    artifact: Artifact, before: Artifact | None, base: RepoModel, actor: str | None
) -> Relaxation | None:
    """For a change: `artifact`'s inline policy (new or changed) against the base's Policies for it."""
    if before is not None:
        if before.approval_policy == artifact.approval_policy:
            return None
        artifact = replace(before, approval_policy=artifact.approval_policy)  # identity and team as the base has them
    return relaxation(artifact, {}, base, admins_of(base, artifact.team or PLATFORM_TEAM), actor)


def _effective_value(policy: EffectivePolicy, rule: str) -> Any:
    defaults = {
        "minApprovers": policy.min_approvers,
        "preventSelfApproval": policy.prevent_self_approval,
        "autoApprovePatches": policy.auto_approve_patches,
        "enforcementLevel": policy.enforcement_level,
    }
    return defaults[rule] if rule in defaults else policy.rules.get(rule, "unset")


def _value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _floor_source(found: Relaxation, rule: str) -> str:
    origin = found.floor.origin_of(rule)
    return ", ".join(origin.sources) if origin is not None else "the default"


def relaxation_findings(found: Relaxation, doc_artifact: Artifact) -> list[Diagnostic]:
    doc = doc_artifact.doc
    findings = []
    for rule, floor_value in found.weaker.items():
        written = rule in doc_artifact.approval_policy
        where = doc.location("spec", "approvalPolicy", *((rule,) if written else ()))
        policy_value = _effective_value(found.policy, rule)
        what = (
            f"approvalPolicy sets {rule} to {_value(policy_value)}, weaker than the {_value(floor_value)} the target "
            f"branch gives this artifact ({_floor_source(found, rule)})"
        )
        if found.allowed:
            message = f"{what}; allowed: {found.actor} is an admin of Team/{found.team} on the target branch"
            findings.append(warning(message, where, doc.subject))
        else:
            message = (
                f"{what}; only an admin of Team/{found.team} on the target branch may relax it (--actor), so its "
                f"versions are judged by {_value(floor_value)}"
            )
            findings.append(error(message, where, doc.subject))
    return findings
