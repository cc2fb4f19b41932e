"""`portal versions sort`: order version strings as the registry does (semver 2.0.0 precedence)."""

from __future__ import annotations

import argparse
import sys

from reconciler.cli import COMMANDS
from reconciler.keeper.semver import sort_versions


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "versions",
        help=COMMANDS["versions"],
        description="Version strings as the registry parses and orders them: Semantic Versioning 2.0.0.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    sort_help = (
        "print the versions V in precedence order, oldest first, one per line (versions of equal precedence, "
        "which differ only in build metadata, in the order given); each invalid one is reported on stderr with "
        "the reason. Put -- before versions that start with -. Exit status: 0 all valid, 1 some invalid, 2 usage error."
    )
    sort_parser = actions.add_parser(
        "sort", help="print versions in precedence order, oldest first", description=sort_help
    )
    sort_parser.add_argument("versions", nargs="+", metavar="V", help="a version string, e.g. 1.0.0-rc.10")
    sort_parser.set_defaults(func=run_sort)


def run_sort(args: argparse.Namespace) -> int:
    ordered, invalid = sort_versions(args.versions)
    for text in ordered:
        print(text)
    for _, reason in invalid:
        print(f"portal: error: {reason}", file=sys.stderr)
    return 1 if invalid else 0
