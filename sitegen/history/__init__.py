"""Recent changes: new versions, approvals, rejections and yanks as the documents date them, and the
workspaces the last commits added, from git history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pygit2

from reconciler.keeper.state import ArtifactState
from reconciler.keeper.timestamps import parse_time
from reconciler.model.kinds import RepoModel
from sitegen.urls import entity_url

HISTORY_COMMITS = 100  # how far back git history is read for added workspaces


@dataclass(frozen=True, slots=True, order=True)
class Change:
    at: str  # ISO time, so that sorting by it sorts by time
    what: str  # "version", "approval", "rejection", "yank", "workspace"
    text: str
    url: str  # the page of the entity it concerns


def _iso(moment: datetime | str | None) -> str:
    """UTC, one format for every change, so that sorting the text sorts the times."""
    parsed = parse_time(moment) if moment else None
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if parsed else ""


def registry_changes(states: Mapping[str, ArtifactState]) -> Iterable[Change]:
    for name, state in states.items():
        url = entity_url("Artifact", name)
        for v in state.versions:
            if v.published_at:
                yield Change(_iso(v.published_at), "version", f"{name} {v.version} published by {v.published_by}", url)
            for approval in v.approvals:
                yield Change(_iso(approval.at), "approval", f"{name} {v.version} approved by {approval.by}", url)
            if v.rejection:
                yield Change(_iso(v.rejection.at), "rejection", f"{name} {v.version} rejected by {v.rejection.by}", url)
            if v.yank:
                yield Change(_iso(v.yank.at), "yank", f"{name} {v.version} yanked by {v.yank.by}", url)


def added_workspaces(git_dir: str, commit: str, model: RepoModel) -> Iterable[Change]:
    """Workspaces whose file a commit among the last HISTORY_COMMITS added, dated by that commit."""
    by_path: dict[str, list[tuple[str, str]]] = {}
    for (team, name), workspace in model.workspaces.items():
        by_path.setdefault(workspace.doc.path, []).append((team, name))
    repo = pygit2.Repository(git_dir)
    walker = repo.walk(pygit2.Oid(hex=commit), pygit2.enums.SortMode.TOPOLOGICAL)
    for count, entry in enumerate(walker):
        if count >= HISTORY_COMMITS:
            break
        parent = entry.parents[0].tree if entry.parents else None
        diff = entry.tree.diff_to_tree(parent, swap=True) if parent is not None else entry.tree.diff_to_tree(swap=True)
        at = _iso(datetime.fromtimestamp(entry.commit_time, UTC))
        for delta in diff.deltas:
            if delta.status == pygit2.enums.DeltaStatus.ADDED:
                for team, name in by_path.get(delta.new_file.path, ()):
                    yield Change(at, "workspace", f"workspace {team}/{name} added", entity_url("Workspace", team, name))


def history_source(location: str, commit: str | None) -> tuple[str | None, str | None]:
    """The local git repository whose history tells which workspaces were added, and the commit to read it from
    (`commit` when the source was read from git, else the working tree's HEAD); none for a URL, or for a working
    tree that is a folder of a larger repository, whose history names other paths."""
    if "://" in location:
        return None, None
    git_dir = pygit2.discover_repository(location)
    if git_dir is None:
        return None, None
    repo = pygit2.Repository(git_dir)
    if commit is None:
        if repo.workdir is None or Path(repo.workdir).resolve() != Path(location).resolve() or repo.head_is_unborn:
            return None, None
        commit = str(repo.head.target)
    return git_dir, commit


def recent_changes(changes: Iterable[Change], limit: int = 20) -> tuple[Change, ...]:
    return tuple(sorted(set(changes), reverse=True)[:limit])
