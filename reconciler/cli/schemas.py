"""`portal schemas export DIR`: the JSON Schemas, for editors and other tools."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from reconciler.cli import COMMANDS
from reconciler.resources import schemas_dir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schemas",
        help=COMMANDS["schemas"],
        description="Work with the JSON Schemas.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write every schema into DIR",
        description="Write the JSON Schemas (draft 2020-12) of every kind, and of the Vector component options, "
        "into DIR, for editors (yaml-language-server) and CI tools.",
    )
    export.add_argument("directory", metavar="DIR", type=Path)
    export.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    source = schemas_dir()
    args.directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(source.rglob("*.json")):
        target = args.directory / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        count += 1
    print(f"wrote {count} schema(s) to {args.directory}", file=sys.stderr)
    return 0
