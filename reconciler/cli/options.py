"""Arguments shared by the commands that read a repo, and how they become a validated commit."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.load.cache import KnownBlobsFile
from reconciler.load.sources import RepoSource, SourceError, git_commit, working_tree
from reconciler.validate import Validation, validate_source

if TYPE_CHECKING:
    from reconciler.keeper.registry import RecordedRegistry

DEFAULT_STATE_DIR = ".portal"


class UsageError(Exception):
    """Bad arguments or an unusable environment: reported on stderr, exit status 2."""


def add_state_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("PORTAL_STATE_DIR", DEFAULT_STATE_DIR)),
        help="where caches and the embedded database live (default: .portal/ in the current directory)",
    )


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", metavar="PATH", help="a working tree to read (default: .)")
    parser.add_argument(
        "--repo",
        metavar="PATH_OR_URL",
        help="read a git commit instead: a local repo or a URL (fetched with connect and read timeouts)",
    )
    parser.add_argument("--ref", metavar="REF", help="the commit to read with --repo (default: HEAD)")
    add_state_dir_argument(parser)


def read_source(args: argparse.Namespace) -> RepoSource:
    if args.repo and args.path:
        raise UsageError("give either PATH or --repo, not both")
    if args.ref and not args.repo:
        raise UsageError("--ref needs --repo")
    try:
        if args.repo:
            return git_commit(args.repo, args.ref or "HEAD", args.state_dir)
        root = Path(args.path or ".")
        known = KnownBlobsFile(args.state_dir, root)
        source = working_tree(root, known.known)
        known.save()
        return source
    except SourceError as exc:
        raise UsageError(str(exc)) from exc


def read_base(args: argparse.Namespace, ref: str) -> RepoSource:
    """The base of a change: `ref` in the same repository as the head."""
    location = args.repo or args.path or "."
    try:
        return git_commit(location, ref, args.state_dir)
    except SourceError as exc:
        raise UsageError(str(exc)) from exc


def load_repository(
    args: argparse.Namespace,
    *,
    base: Validation | None = None,
    actor: str | None = None,
    recorded: RecordedRegistry | None = None,
) -> Validation:
    return validate_source(read_source(args), state_dir=args.state_dir, base=base, actor=actor, recorded=recorded)
