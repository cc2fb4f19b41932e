"""Approvals bound to real reviews: an approval in YAML counts only when the member it names approved the pull
request, by their Git host login, on the head commit.

Logins come from the base's Teams (a change cannot map a member to the author's own account), and are compared
as the hosts compare them: ASCII, case-insensitive. A review decides only while it is the member's latest
decisive one (approved, changes requested or dismissed), so a later "changes requested" or a dismissal withdraws it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.model import rules
from reconciler.model.diagnostics import Diagnostic, Location, error
from reconciler.model.kinds import GitHost, RepoModel

_DECISIVE = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})


class ReviewsError(ValueError):
    """A reviews file that cannot be read as what a Git host returns: a usage error, located in the file."""


@dataclass(frozen=True, slots=True)
class Review:
    login: str
    state: str  # GitHub's: APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    commit: str | None  # the commit reviewed


@dataclass(frozen=True, slots=True)
class Reviews:
    host: GitHost
    reviews: tuple[Review, ...]  # oldest first, as the host's API lists them


@dataclass(frozen=True, slots=True)
class AddedApproval:
    """An approval entry the change adds: judged against the reviews."""

    artifact: str
    version: str
    by: str
    at: str
    index: int  # position in the version's approvals
    team: str  # the team that owns the artifact on the base
    location: Location
    subject: str


def same_login(a: str, b: str) -> bool:
    """Logins are ASCII and case-insensitive on both hosts; anything else (a Kelvin sign for a K) is not a login."""
    return a.isascii() and b.isascii() and a.lower() == b.lower()


def _text(value: Any, what: str, source: str) -> str:
    if not isinstance(value, str) or not value:
        raise ReviewsError(f"{source}: {what} is not a non-empty string")
    return value


def _github(items: Sequence[Any], source: str) -> Reviews:
    reviews = []
    for i, item in enumerate(items):
        where = f"review [{i}]"
        if isinstance(item, Mapping) and "user" in item and item["user"] is None:
            continue  # a deleted account ("ghost"): it is nobody's review
        if not isinstance(item, Mapping) or not isinstance(item.get("user"), Mapping):
            raise ReviewsError(f"{source}: {where} has no user: expected GitHub's pull request reviews list")
        commit = item.get("commit_id")
        reviews.append(
            Review(
                login=_text(item["user"].get("login"), f"{where} user.login", source),
                state=_text(item.get("state"), f"{where} state", source),
                commit=commit if isinstance(commit, str) else None,
            )
        )
    return Reviews("github", tuple(reviews))


def _gitlab(data: Mapping[str, Any], source: str) -> Reviews:
    sha = data.get("sha")
    if not isinstance(sha, str) or not sha:
        raise ReviewsError(
            f"{source}: the GitLab approvals carry no `sha` (the merge request's head commit), so they cannot be "
            "bound to a commit: add it from the merge request"
        )
    approved = data.get("approved_by")
    if not isinstance(approved, list):
        raise ReviewsError(f"{source}: approved_by is not a list")
    reviews = []
    for i, entry in enumerate(approved):
        user = entry.get("user") if isinstance(entry, Mapping) else None
        login = _text(user.get("username") if isinstance(user, Mapping) else None, f"approved_by[{i}]", source)
        reviews.append(Review(login, "APPROVED", sha))
    return Reviews("gitlab", tuple(reviews))


def parse_reviews(text: str, source: str) -> Reviews:
    """GitHub's pull request reviews (a JSON list) or GitLab's merge request approvals (an object with
    `approved_by`, plus the `sha` they were given on)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReviewsError(f"{source}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    if isinstance(data, list):
        return _github(data, source)
    if isinstance(data, Mapping) and "approved_by" in data:
        return _gitlab(data, source)
    raise ReviewsError(
        f"{source}: neither GitHub's pull request reviews (a list) nor GitLab's merge request approvals "
        "(an object with approved_by)"
    )


def _short(commit: str | None) -> str:
    return commit[:12] if commit else "no commit"


def review_refusal(reviews: Reviews, login: str, head: str) -> str | None:
    """Why `login` has not approved the head commit, or None when they have."""
    theirs = [r for r in reviews.reviews if same_login(r.login, login)]
    decisive = [r for r in theirs if r.state in _DECISIVE]
    if not decisive:
        return f"{login} only commented" if theirs else f"there is no review by {login}"
    last = decisive[-1]
    if last.state != "APPROVED":
        return f"the latest review by {login} is {last.state}"
    if last.commit != head:
        return f"{login} approved {_short(last.commit)}, not the head commit {_short(head)}"
    return None


def approval_refusals(
    added: Sequence[AddedApproval], base: RepoModel, reviews: Reviews, head: str
) -> dict[Location, str]:
    """Each added approval that no review backs, with why. A name that is not a user of the owning team on the
    base has no login to look for; Keeper's own rules already refuse that approval."""
    refused: dict[Location, str] = {}
    for approval in added:
        team = base.teams.get(approval.team)
        member = next((u for u in team.users if u.name == approval.by), None) if team else None
        if member is None:
            continue
        login = member.login(reviews.host)
        if login is None:
            refused[approval.location] = (
                f"{approval.by} has no {reviews.host} login in Team/{approval.team} on the target branch"
            )
            continue
        why = review_refusal(reviews, login, head)
        if why is not None:
            refused[approval.location] = why
    return refused


def review_findings(added: Sequence[AddedApproval], refused: Mapping[Location, str]) -> list[Diagnostic]:
    return [
        error(
            f"the approval of version {a.version} by {a.by} matches no approving review of the head commit: "
            f"{refused[a.location]}",
            a.location,
            a.subject,
            rule=rules.REVIEWS,
        )
        for a in added
        if a.location in refused
    ]


def member_of_login(base: RepoModel, login: str) -> str | None:
    """The user a pull request's author is, by their login in the base's Teams (either host); None for someone
    no team knows. One login claimed for two users is refused: nobody could say whose change it is."""
    names = sorted(
        {
            user.name
            for team in base.teams.values()
            for user in team.users
            if any(same_login(known, login) for _, known in user.logins)
        }
    )
    if len(names) > 1:
        raise ReviewsError(f"--actor-login {login}: the target branch's Teams give this login to {', '.join(names)}")
    return names[0] if names else None
