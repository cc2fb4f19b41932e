"""Keeper's part of the check: what the change does to the registry, each approval it adds (valid or not, and
why) and the effective policy that judged each artifact it touches."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from reconciler.check.changed import changed_names
from reconciler.check.reviews import AddedApproval
from reconciler.keeper.changes import RegistryChange, registry_changes
from reconciler.keeper.policy import PLATFORM_TEAM, EffectivePolicy
from reconciler.keeper.state import ArtifactState, derive_artifact
from reconciler.keeper.versions import version_key
from reconciler.model.diagnostics import Location
from reconciler.model.kinds import Artifact, RepoModel


@dataclass(frozen=True, slots=True)
class ApprovalVerdict:
    artifact: str
    version: str
    by: str
    at: str
    location: Location
    valid: bool
    why: str  # why it does not count ("" when it does)


@dataclass(frozen=True, slots=True)
class PolicyApplied:
    artifact: str
    policies: tuple[str, ...]  # the Policies that apply, by name
    enforcement: str
    rules: tuple[tuple[str, Any], ...]  # the effective rules, by name


@dataclass(frozen=True, slots=True)
class KeeperPart:
    changes: tuple[RegistryChange, ...]
    approvals: tuple[ApprovalVerdict, ...]
    policies: tuple[PolicyApplied, ...]  # of the artifacts with changes or added approvals

    @property
    def empty(self) -> bool:
        return not (self.changes or self.approvals)


def changed_artifacts(base: RepoModel, head: RepoModel, declared: Collection[str]) -> list[str]:
    """Artifacts whose document the change adds, edits or removes: the others' state cannot move, since
    authority (teams, policies) comes from the base either way. One the head declares but breaks (it is not in
    the head's model) is left to the findings: it is not removed."""
    changed = changed_names(base.artifacts, head.artifacts)
    return sorted(n for n in changed if n in head.artifacts or n not in declared)


def _versions(artifact: Artifact | None) -> dict[Any, frozenset[str]]:
    if artifact is None:
        return {}
    return {version_key(v.version): frozenset(a.by for a in v.approvals) for v in artifact.versions}


def added_approvals(base: RepoModel, head: RepoModel, names: list[str]) -> list[AddedApproval]:
    """Approval entries of the head that the base does not hold (by approver, per version)."""
    added: list[AddedApproval] = []
    for name in names:
        artifact = head.artifacts.get(name)
        if artifact is None:
            continue
        before = base.artifacts.get(name)
        earlier = _versions(before)
        team = (before or artifact).team or PLATFORM_TEAM
        for version in artifact.versions:
            known = earlier.get(version_key(version.version), frozenset())
            added.extend(
                AddedApproval(
                    name,
                    version.version,
                    approval.by,
                    approval.at,
                    approval.index,
                    team,
                    artifact.doc.location("spec", "versions", version.index, "approvals", approval.index),
                    artifact.doc.subject,
                )
                for approval in version.approvals
                if approval.by not in known
            )
    return added


def _without(artifact: Artifact, unbacked: Collection[tuple[str, str, int]]) -> Artifact:
    """The artifact without the approvals no review backs: they never count."""
    if not unbacked:
        return artifact
    versions = tuple(
        replace(v, approvals=tuple(a for a in v.approvals if (artifact.name, v.version, a.index) not in unbacked))
        for v in artifact.versions
    )
    return replace(artifact, versions=versions)


def _verdicts(
    added: list[AddedApproval], states: Mapping[str, ArtifactState], refused: Mapping[Location, str]
) -> Iterator[ApprovalVerdict]:
    for approval in added:
        version = states[approval.artifact].version(approval.version)
        problems = [
            p.message for p in (version.problems if version else ()) if p.index == approval.index and not p.counts
        ]
        if approval.location in refused:
            problems.append(refused[approval.location])
        yield ApprovalVerdict(
            approval.artifact,
            approval.version,
            approval.by,
            approval.at,
            approval.location,
            not problems,
            "; ".join(problems),
        )


def _effective_rules(policy: EffectivePolicy) -> tuple[tuple[str, Any], ...]:
    """The rules set by some scope, and the three every version is judged by even when none sets them."""
    rules = {
        **policy.rules,
        "minApprovers": policy.min_approvers,
        "preventSelfApproval": policy.prevent_self_approval,
        "autoApprovePatches": policy.auto_approve_patches,
    }
    return tuple(sorted(rules.items()))


def keeper_part(
    base: RepoModel,
    head: RepoModel,
    names: list[str],
    *,
    actor: str | None,
    now: datetime | None,
    added: list[AddedApproval],
    refused: Mapping[Location, str],
) -> KeeperPart:
    """`names`: the artifacts the change touches (`changed_artifacts`)."""
    unbacked = {(a.artifact, a.version, a.index) for a in added if a.location in refused}
    before = {n: derive_artifact(base.artifacts[n], base, base) for n in names if n in base.artifacts}
    after = {
        n: derive_artifact(_without(head.artifacts[n], unbacked), head, base, actor, now=now)
        for n in names
        if n in head.artifacts
    }
    changes = tuple(registry_changes(before, after))
    verdicts = tuple(_verdicts(added, after, refused))
    touched = sorted({c.artifact for c in changes if c.change != "archived"} | {v.artifact for v in verdicts})
    policies = tuple(
        PolicyApplied(
            name,
            after[name].policy.policies,
            after[name].policy.enforcement_level,
            _effective_rules(after[name].policy),
        )
        for name in touched
    )
    return KeeperPart(changes, verdicts, policies)
