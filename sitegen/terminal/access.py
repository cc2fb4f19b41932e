"""Who may open a workspace's terminal, decided from the repo at the served commit.

The workspace's owner, or an admin or operator of its team; a viewer or anyone else is refused. Emails compare
case-insensitively, as Team roles do.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.model.kinds import APPROVER_ROLES, RepoModel, Workspace


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str  # "owner", "team admin", "team operator", "team viewer", "not a member", "no such workspace"


def decide(model: RepoModel, user: str, team: str, name: str) -> Decision:
    workspace: Workspace | None = model.workspaces.get((team, name))
    if workspace is None:
        return Decision(False, "no such workspace")
    if workspace.owner.lower() == user.lower():
        return Decision(True, "owner")
    team_doc = model.teams.get(workspace.team)
    role = team_doc.role_of(user) if team_doc else None
    if role is None:
        return Decision(False, "not a member")
    return Decision(role in APPROVER_ROLES, f"team {role}")
