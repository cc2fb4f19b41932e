"""What every cross-document check receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from reconciler.model.kinds import RepoModel

if TYPE_CHECKING:
    from reconciler.keeper.registry import RecordedRegistry


@dataclass(frozen=True, slots=True)
class CheckContext:
    model: RepoModel  # the commit under validation (the head of a change)
    base: RepoModel | None = None  # the target branch's commit: transitions and authority come from here
    actor: str | None = None  # the author of the change (e.g. the pull request's author), from CI
    # (kind, name) of every document in the commit, schema-valid or not: a reference to a document that exists
    # but has errors of its own is not reported a second time as dangling.
    declared: frozenset[tuple[str, str]] = frozenset()
    read_text: Callable[[str], str | None] = field(default=lambda _path: None)  # other files of the commit
    now: datetime | None = None  # when the commit was made (a working tree: now); nothing may be dated later
    recorded: RecordedRegistry | None = None  # what the configured database holds (registry keys, admins)

    @property
    def authority(self) -> RepoModel:
        """Who may approve and which policy applies: the base when there is one, never the change itself."""
        return self.base if self.base is not None else self.model
