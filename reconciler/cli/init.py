"""`portal init DIR`: start a platform repo from the starter template."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from reconciler.cli import COMMANDS
from reconciler.cli.options import UsageError
from reconciler.resources import template_dir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init",
        help=COMMANDS["init"],
        description="Copy the starter repo (teams, clusters, workspaces, artifacts, policies, pipelines, CI) into "
        "DIR. DIR must be missing or empty.",
    )
    parser.add_argument("directory", metavar="DIR", type=Path, help="where to create the repo")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target: Path = args.directory
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target}: exists and is not an empty directory")
    # A state dir the template was ever run in (`.portal/`) is local state, never part of a new repo.
    shutil.copytree(template_dir(), target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".portal"))
    print(f"created {target}; next: cd {target} && git init && portal validate", file=sys.stderr)
    return 0
