"""Derived state of artifact versions: what Keeper's database rows would say, computed from one commit.

A version is `rejected` when it carries a rejection, `approved` when it has at least the effective
`minApprovers` valid approvals (or `autoApprovePatches` approved it), `pending` otherwise. `latest` is the
approved, non-yanked version that Terraform and Helm pick when no version is asked for: the release of highest
semver precedence, or the highest prerelease while no release is approved. Approval times do not enter it, so a
far-future date cannot pin an old version as latest. Every approval entry that does not count is kept as an
`ApprovalProblem`, so the checks can report it at the entry instead of silently ignoring it: among them approvals
dated after the commit that records them, and, in a change, approvals of a pending version given before the
change rewrote what they reviewed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from reconciler.keeper.authority import change_relaxation
from reconciler.keeper.policy import PLATFORM_TEAM, EffectivePolicy, effective_policy
from reconciler.keeper.semver import OrderKey
from reconciler.keeper.timestamps import EARLIEST, LATEST, future_time_findings, latest_time, parse_time, sortable_time
from reconciler.keeper.versions import ParsedVersion, index_versions, version_key
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.document import Document
from reconciler.model.kinds import Approval, Artifact, RepoModel, Team, Verdict

ApprovalStatus = Literal["pending", "approved", "rejected"]
ArtifactStatus = Literal["active", "deprecated", "archived"]
AUTO_APPROVER = "system:auto-approve"

# Why an approval entry is refused (or, for a non-blocking policy rule, flagged while still counting).
ON_REJECTED = "rejected"
DUPLICATE = "duplicate"
CHANGE_AUTHOR = "actor"
ROLE = "role"
SELF_APPROVAL = "preventSelfApproval"
FUTURE = "future"
VOIDED = "voided"
# What an approval does not review: the approvals themselves, and records about the version (yank, rejection).
_NOT_REVIEWED = frozenset({"approvals", "yanked", "rejected"})
POLICY_RULES = frozenset({SELF_APPROVAL})  # findings whose severity follows the policy's enforcement level


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    """An approval that counts: a reviewer's entry, or the auto-approval (then `index` is None)."""

    by: str
    at: datetime | None
    comment: str = ""
    index: int | None = None


@dataclass(frozen=True, slots=True)
class ApprovalProblem:
    index: int  # position of the entry in the version's `approvals`
    rule: str
    message: str
    counts: bool  # a non-blocking policy rule flags the entry but lets it count


@dataclass(frozen=True, slots=True)
class VersionState:
    version: str  # as written, build metadata included
    major: int
    minor: int
    patch: int
    pre: str | None
    sort_text: str  # byte order is semver precedence (the database's order)
    approval_status: ApprovalStatus
    is_latest: bool
    is_bad: bool  # yanked
    yank_reason: str | None
    approved_by: str | None  # whose approval reached the threshold, or system:auto-approve
    approved_at: datetime | None
    approvals: tuple[ApprovalRecord, ...]  # the valid ones, in the order written
    required_approvals: int
    problems: tuple[ApprovalProblem, ...]
    published_by: str
    published_at: datetime | None
    rejection: Verdict | None
    yank: Verdict | None
    index: int  # position in spec.versions
    data: Mapping[str, Any] = field(compare=False)  # the entry as written: changelog, digest, metadata, ...

    @property
    def written_approvals(self) -> int:
        return len(self.data.get("approvals") or ())


@dataclass(frozen=True, slots=True)
class ArtifactState:
    name: str
    namespace: str
    registry_name: str
    provider: str | None
    type: str
    team: str
    status: ArtifactStatus
    policy: EffectivePolicy
    versions: tuple[VersionState, ...]  # highest semver precedence first
    artifact: Artifact = field(compare=False)  # the document, for descriptions, tags, storage, readme
    version_problems: tuple[Diagnostic, ...] = ()  # entries left out: not a version, or declared twice
    time_problems: tuple[Diagnostic, ...] = ()  # publications, yanks and rejections dated after the commit

    @property
    def latest(self) -> VersionState | None:
        return next((v for v in self.versions if v.is_latest), None)

    def version(self, text: str) -> VersionState | None:
        key = version_key(text)
        return next((v for v in self.versions if version_key(v.version) == key), None)


@dataclass(frozen=True, slots=True)
class _Authority:
    """What judges the approvals of one artifact."""

    doc: Document
    team_name: str
    team: Team | None  # the owning team as the authority declares it
    proposed_team: Team | None  # the same team as the change declares it, to explain refusals
    policy: EffectivePolicy
    judging_a_change: bool  # a base/head validation: authority is the base
    earlier_approvers: Mapping[str, frozenset[str]]  # per version key, approvers already on the base
    edited: Mapping[str, tuple[str, ...]]  # per version key, the reviewed fields the change rewrites
    actor: str | None
    latest_time: datetime | None  # nothing may be recorded later (the commit's time plus skew); None: no limit

    def approver_problem(self, approver: str) -> str | None:
        if self.team is not None and self.team.may_approve(approver):
            return None
        where = " on the target branch" if self.judging_a_change else ""
        if self.team is None:
            refusal = f"Team/{self.team_name} does not exist{where}, so nobody may approve its artifacts"
        else:
            role = self.team.role_of(approver)
            standing = f"is a {role} of" if role else "is not a member of"
            refusal = f"{approver} {standing} Team/{self.team_name}{where}; only its admins and operators approve"
        if self.judging_a_change and self.proposed_team is not None and self.proposed_team.may_approve(approver):
            refusal += " (a role this change grants counts only once it is merged)"
        return refusal


def _judge_approvals(parsed: ParsedVersion, authority: _Authority) -> tuple[list[Approval], list[ApprovalProblem]]:
    """Split a version's approval entries into those that count and the problems of the others."""
    entry = parsed.entry
    earlier = authority.earlier_approvers.get(parsed.key, frozenset())
    publisher = entry.published_by.lower()
    actor = (authority.actor or "").lower()
    counting: list[Approval] = []
    problems: list[ApprovalProblem] = []
    first_by: dict[str, Approval] = {}
    for approval in entry.approvals:
        who = approval.by.lower()
        first = first_by.setdefault(who, approval)
        added_by_change = who not in earlier
        if entry.rejected is not None:
            why = f" ({entry.rejected.reason})" if entry.rejected.reason else ""
            problem = ApprovalProblem(
                approval.index,
                ON_REJECTED,
                f"version {parsed.key} was rejected{why}; a rejected version cannot be approved",
                counts=False,
            )
        elif first is not approval:
            first_at = authority.doc.location("spec", "versions", entry.index, "approvals", first.index)
            problem = ApprovalProblem(
                approval.index,
                DUPLICATE,
                f"{approval.by} approves version {parsed.key} twice (first at {first_at}); one approval per person",
                counts=False,
            )
        elif authority.latest_time is not None and sortable_time(approval.at) > authority.latest_time:
            problem = ApprovalProblem(
                approval.index,
                FUTURE,
                f"{approval.by} approves version {parsed.key} at {approval.at}, later than the commit that records "
                "it; an approval cannot be dated in the future, so it does not count",
                counts=False,
            )
        elif not added_by_change and parsed.key in authority.edited:
            problem = ApprovalProblem(
                approval.index,
                VOIDED,
                f"{approval.by} approved version {parsed.key} before this change rewrote its "
                f"{', '.join(authority.edited[parsed.key])}; that approval does not count for the new content: "
                "remove it and ask for a new review",
                counts=False,
            )
        elif not added_by_change:
            # Already on the base: judged when it merged. Judging it again against today's Teams or Policies
            # would turn a member leaving a team into errors nobody could fix (approved versions are immutable).
            counting.append(approval)
            continue
        elif actor and who == actor:
            problem = ApprovalProblem(
                approval.index,
                CHANGE_AUTHOR,
                f"{approval.by} is the author of this change and cannot approve in it",
                counts=False,
            )
        elif refusal := authority.approver_problem(approval.by):
            problem = ApprovalProblem(approval.index, ROLE, refusal, counts=False)
        elif authority.policy.prevent_self_approval and who == publisher:
            problem = ApprovalProblem(
                approval.index,
                SELF_APPROVAL,
                f"{approval.by} published version {parsed.key} and cannot approve it (preventSelfApproval)",
                counts=authority.policy.enforcement_level != "block",
            )
        else:
            counting.append(approval)
            continue
        problems.append(problem)
        if problem.counts:
            counting.append(approval)
    return counting, problems


@dataclass(frozen=True, slots=True)
class _Reviewed:
    parsed: ParsedVersion
    counting: tuple[Approval, ...]
    problems: tuple[ApprovalProblem, ...]
    approval: tuple[datetime, str] | None  # when and by whom it became approved

    @property
    def published(self) -> datetime:
        return sortable_time(self.parsed.entry.published_at)

    def yanked_by(self, moment: datetime) -> bool:
        yank = self.parsed.entry.yanked
        return yank is not None and sortable_time(yank.at) <= moment


def _review(parsed: ParsedVersion, authority: _Authority) -> _Reviewed:
    counting, problems = _judge_approvals(parsed, authority)
    required = authority.policy.min_approvers
    approval = None
    if parsed.entry.rejected is None and len(counting) >= required:
        in_time_order = sorted(counting, key=lambda a: (sortable_time(a.at), a.index))
        deciding = in_time_order[required - 1]
        approval = (sortable_time(deciding.at), deciding.by)
    return _Reviewed(parsed, tuple(counting), tuple(problems), approval)


def _client_preference(reviewed: _Reviewed) -> tuple[bool, OrderKey]:
    """Releases before prereleases, then semver precedence: what `terraform init` and `helm install` choose."""
    semver = reviewed.parsed.semver
    return (semver.pre is None, semver.order_key)


def _latest_at(moment: datetime, reviewed: Iterable[_Reviewed]) -> _Reviewed | None:
    """The version clients would install, among those approved and not yanked as things stood at `moment`."""
    standing = [r for r in reviewed if r.approval is not None and r.approval[0] <= moment and not r.yanked_by(moment)]
    return max(standing, key=_client_preference, default=None)


def _with_auto_approvals(reviewed: list[_Reviewed], policy: EffectivePolicy) -> list[_Reviewed]:
    """Replay publications in time order: a patch bump of the then-latest (or a first version) is approved."""
    if not policy.auto_approve_patches or policy.requires_runs:
        return reviewed
    result = {r.parsed.key: r for r in reviewed}
    for item in sorted(reviewed, key=lambda r: (r.published, r.parsed.entry.index)):
        if item.parsed.entry.rejected is not None:
            continue
        others = [r for key, r in result.items() if key != item.parsed.key]
        current = _latest_at(item.published, others)
        first_version = current is None and not any(r.published < item.published for r in others)
        if first_version or (current is not None and item.parsed.semver.is_patch_bump_of(current.parsed.semver)):
            result[item.parsed.key] = _Reviewed(
                item.parsed, item.counting, item.problems, (item.published, AUTO_APPROVER)
            )
    return [result[r.parsed.key] for r in reviewed]


def _version_state(item: _Reviewed, is_latest: bool, required: int) -> VersionState:
    entry, semver = item.parsed.entry, item.parsed.semver
    records = [ApprovalRecord(a.by, parse_time(a.at), a.comment, a.index) for a in item.counting]
    if item.approval is not None and item.approval[1] == AUTO_APPROVER:
        records.insert(0, ApprovalRecord(AUTO_APPROVER, parse_time(entry.published_at)))
    status: ApprovalStatus = (
        "rejected" if entry.rejected is not None else "approved" if item.approval is not None else "pending"
    )
    approved_at = item.approval[0] if item.approval is not None else None
    return VersionState(
        version=str(semver),
        major=semver.major,
        minor=semver.minor,
        patch=semver.patch,
        pre=semver.pre,
        sort_text=semver.sort_text,
        approval_status=status,
        is_latest=is_latest,
        is_bad=entry.yanked is not None,
        yank_reason=entry.yanked.reason if entry.yanked is not None else None,
        approved_by=item.approval[1] if item.approval is not None else None,
        approved_at=approved_at if approved_at != EARLIEST else None,
        approvals=tuple(records),
        required_approvals=required,
        problems=item.problems,
        published_by=entry.published_by,
        published_at=parse_time(entry.published_at),
        rejection=entry.rejected,
        yank=entry.yanked,
        index=entry.index,
        data=entry.data,
    )


def _edited_versions(before: Artifact | None, after: Artifact) -> dict[str, tuple[str, ...]]:
    """Per version key, the reviewed fields (anything but approvals, yank and rejection) `after` rewrites."""
    if before is None:
        return {}
    old = {version_key(v.version): v.data for v in before.versions}
    edited: dict[str, tuple[str, ...]] = {}
    for version in after.versions:
        was = old.get(version_key(version.version))
        if was is None or was == version.data:
            continue
        keys = sorted((k for k in was.keys() | version.data.keys() if k not in _NOT_REVIEWED), key=str)
        changed = tuple(str(k) for k in keys if was.get(k) != version.data.get(k))
        if changed:
            edited[version_key(version.version)] = changed
    return edited


def _pending_edits(before: Artifact | None, after: Artifact, base: RepoModel) -> dict[str, tuple[str, ...]]:
    """The edits of versions not approved on the base (an approved version's content is immutable: the
    transition rules refuse any edit of it instead)."""
    edited = _edited_versions(before, after)
    if not edited or before is None:
        return edited
    recorded = derive_artifact(before, base, base)
    return {key: fields for key, fields in edited.items() if _status_of(recorded, key) != "approved"}


def _status_of(state: ArtifactState, key: str) -> ApprovalStatus | None:
    version = state.version(key)
    return version.approval_status if version is not None else None


def _earlier_approvers(artifact: Artifact | None) -> dict[str, frozenset[str]]:
    if artifact is None:
        return {}
    return {version_key(v.version): frozenset(a.by.lower() for a in v.approvals) for v in artifact.versions}


def derive_artifact(
    artifact: Artifact,
    model: RepoModel,
    base: RepoModel | None = None,
    actor: str | None = None,
    status: ArtifactStatus | None = None,
    now: datetime | None = None,
) -> ArtifactState:
    """The state of one artifact of `model`; with a `base`, authority (teams, policy) comes from the base. With
    `now` (the commit's time), times recorded after it are problems, and such approvals do not count."""
    authority_model = base if base is not None else model
    base_artifact = base.artifacts.get(artifact.name) if base is not None else None
    # An existing artifact keeps the owner and inline policy it had; a commit judging itself is its own base.
    governing = artifact if base is model else base_artifact or artifact
    if base is not None and base is not model and base_artifact is None:
        relaxed = change_relaxation(artifact, None, base, actor)  # a new artifact's inline policy is judged too
        governing = relaxed.governing if relaxed is not None else artifact
    team_name = governing.team or PLATFORM_TEAM
    policy = effective_policy(governing, authority_model)
    authority = _Authority(
        doc=artifact.doc,
        team_name=team_name,
        team=authority_model.teams.get(team_name),
        proposed_team=model.teams.get(team_name),
        policy=policy,
        judging_a_change=base is not None,
        earlier_approvers=_earlier_approvers(base_artifact),
        edited=_pending_edits(base_artifact, artifact, base) if base is not None and base is not model else {},
        actor=actor,
        latest_time=latest_time(now),
    )
    index = index_versions(artifact)
    reviewed = _with_auto_approvals([_review(p, authority) for p in index.by_key.values()], policy)
    latest = _latest_at(LATEST, reviewed)
    newest_first = sorted(reviewed, key=lambda r: r.parsed.semver.order_key, reverse=True)
    return ArtifactState(
        name=artifact.name,
        namespace=artifact.namespace,
        registry_name=artifact.registry_name,
        provider=artifact.provider,
        type=artifact.type,
        team=artifact.team or PLATFORM_TEAM,
        status=status or artifact.status,
        policy=policy,
        versions=tuple(_version_state(r, r is latest, policy.min_approvers) for r in newest_first),
        artifact=artifact,
        version_problems=index.problems,
        time_problems=future_time_findings(artifact, authority.latest_time),
    )


def derive_change(model: RepoModel, base: RepoModel | None, actor: str | None = None) -> dict[str, ArtifactState]:
    """The state of every artifact of `model`, by name, judged as a change to `base` (None: on its own)."""
    return {name: derive_artifact(a, model, base, actor) for name, a in sorted(model.artifacts.items())}


def derive(model: RepoModel, authority: RepoModel | None = None, actor: str | None = None) -> dict[str, ArtifactState]:
    """The state of every artifact of `model`, by name.

    `authority` is the base commit of a change: who may approve and which policy applies are read from it, and
    approvals it already holds are not judged again. Without it (or when it is `model`), the commit judges
    itself, so every approval is checked against the commit's own Teams. `actor` is the change's author, whose
    approvals added by the change never count.
    """
    return derive_change(model, authority if authority is not model else None, actor)


def recorded_state(base: RepoModel) -> dict[str, ArtifactState]:
    """What a commit of the target branch holds: its approvals were judged when they merged (by the PR check,
    against that change's base), so they are not judged again. This is the state to publish from a merged
    commit (database sync, site, registry files): a member leaving a team does not un-approve what they approved.
    """
    return derive_change(base, base)


def archived_artifacts(base: RepoModel, head: RepoModel) -> dict[str, ArtifactState]:
    """Artifacts the change removes: archived, but their versions still resolve (as the base holds them)."""
    return {
        name: derive_artifact(artifact, base, base, status="archived")
        for name, artifact in sorted(base.artifacts.items())
        if name not in head.artifacts
    }
