"""Where a command keeps its state: the parse cache, git mirrors, the embedded PostgreSQL and the export folder.

The default is a per-user directory keyed by the repository a command works on, so that running from another
current directory finds the same cache and the same embedded server, and so that nothing is ever read from
inside the tree being judged (a pull request could commit a poisoned cache there). A state dir inside that tree
is used only when given explicitly (`--state-dir` or `PORTAL_STATE_DIR`).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reconciler.passwords import shown_url

STATE_DIR_VARIABLE = "PORTAL_STATE_DIR"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class StateDirError(Exception):
    """No usable state dir: a usage error."""


@dataclass(frozen=True, slots=True)
class StateDir:
    """The one owner of the state dir's layout."""

    root: Path

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def git(self) -> Path:
        return self.root / "git"

    @property
    def pg(self) -> Path:
        return self.root / "pg"

    @property
    def export(self) -> Path:
        return self.root / "export"


def repository_key(repo: str | None, path: str | None) -> str:
    """What identifies the repository a command works on: a working tree's or a local repo's real path, or a
    remote's URL with any password removed."""
    location = repo or path or "."
    if repo is None or Path(repo).exists():
        return str(Path(location).resolve())
    return shown_url(repo)


def default_root(key: str, environ: Mapping[str, str]) -> Path:
    """`$XDG_STATE_HOME/portal/<name>-<hash>`, else `~/.local/state/portal/<name>-<hash>`."""
    name = _UNSAFE_NAME.sub("-", key.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")).strip("-.") or "repo"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    xdg = environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path(environ.get("HOME") or Path.home()) / ".local/state"
    return base / "portal" / f"{name[:40]}-{digest}"


def resolve_state_dir(
    explicit: Path | None, repo: str | None, path: str | None, environ: Mapping[str, str] = os.environ
) -> StateDir:
    """`explicit` (--state-dir), else `$PORTAL_STATE_DIR`, else the per-user default for the repository."""
    given = explicit or (Path(environ[STATE_DIR_VARIABLE]) if environ.get(STATE_DIR_VARIABLE) else None)
    if given is not None:
        return StateDir(given)
    key = repository_key(repo, path)
    root = default_root(key, environ)
    judged = Path(key)
    if judged.is_absolute() and root.resolve().is_relative_to(judged):
        raise StateDirError(
            f"the default state dir {root} lies inside the tree being judged ({judged}); "
            f"give --state-dir or ${STATE_DIR_VARIABLE} to use it anyway"
        )
    return StateDir(root)
