"""How a command's source arguments become a validated commit, and its build."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.cli.options import UsageError
from reconciler.load.cache import KnownBlobsFile
from reconciler.load.sources import RepoSource, SourceError, git_commit, working_tree
from reconciler.settings import SourceSettings
from reconciler.state_dir import StateDir
from reconciler.validate import Validation, validate_source

if TYPE_CHECKING:
    from reconciler.model.recorded import RecordedRegistry
    from reconciler.validate.memo import ValidationMemo


def read_source(source: SourceSettings, state_dir: StateDir) -> RepoSource:
    try:
        if source.repo:
            return git_commit(source.repo, source.ref or "HEAD", state_dir.root)
        root = Path(source.path or ".")
        known = KnownBlobsFile(state_dir.root, root)
        tree = working_tree(root, known.known)
        known.save()
        return tree
    except SourceError as exc:
        raise UsageError(str(exc)) from exc


def read_base(source: SourceSettings, state_dir: StateDir, ref: str) -> RepoSource:
    """The base of a change: `ref` in the same repository as the head."""
    try:
        return git_commit(source.location, ref, state_dir.root)
    except SourceError as exc:
        raise UsageError(str(exc)) from exc


def load_repository(
    source: SourceSettings,
    state_dir: StateDir,
    *,
    base: Validation | None = None,
    actor: str | None = None,
    recorded: RecordedRegistry | None = None,
    memo: ValidationMemo | None = None,
) -> Validation:
    return validate_source(
        read_source(source, state_dir), state_dir=state_dir.root, base=base, actor=actor, recorded=recorded, memo=memo
    )
