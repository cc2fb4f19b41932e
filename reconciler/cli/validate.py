"""`portal validate`: every document of a commit or working tree, with located findings."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from reconciler.cli.options import UsageError, add_source_arguments, load_repository, read_base
from reconciler.db import DATABASE_URL_VARIABLE
from reconciler.model import Diagnostic
from reconciler.validate import Validation, validate_source
from reconciler.validate.folding import fold

if TYPE_CHECKING:
    from reconciler.keeper.registry import RecordedRegistry


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check every document: schemas, references, rules",
        description=(
            "Validate the documents of a working tree (PATH, default .) or of a commit (--repo, --ref). "
            "Findings print as path:line:col: error|warning|note: Kind/name: message. "
            "Exit status: 0 valid (warnings and notes alone too), 1 errors (or warnings with --strict), 2 usage error."
        ),
    )
    add_source_arguments(parser)
    parser.add_argument(
        "--base",
        metavar="REF",
        help="also check the change from REF (the target branch): transitions, and authority read from REF",
    )
    parser.add_argument(
        "--actor",
        metavar="EMAIL",
        help="the author of the change: their own approvals do not count, and only an admin of the owning team "
        "(on the base) may relax an inline approvalPolicy below the base's Policies",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help=f"also check against what this PostgreSQL metadata store recorded (default: ${DATABASE_URL_VARIABLE}; "
        "without either, no database is read): a registry key stays with its team, archived ones included",
    )
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument(
        "--vector",
        action="store_true",
        help="also run `vector validate --no-environment` on every compiled Vector config (needs vector on PATH)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="list the findings that follow from an invalid document under it (by default they are only counted; "
        "--format json always lists them, each with its cause)",
    )
    parser.set_defaults(func=run)


def _summary(validation: Validation) -> str:
    files = len({d.path for d in validation.documents})
    return (
        f"{len(validation.errors)} error(s), {len(validation.warnings)} warning(s) in "
        f"{len(validation.documents)} document(s) from {files} file(s) of {validation.source.description}"
    )


def _with_vector_findings(validation: Validation) -> Validation:
    """Vector's own verdict on what the commit compiles to, when the binary is installed."""
    from reconciler.herald.vector_binary import check_with_vector, find_vector

    binary = find_vector()
    if binary is None:
        print("note: no vector binary on PATH: vector validate skipped", file=sys.stderr)
        return validation
    findings = sorted((*validation.diagnostics, *check_with_vector(validation.model, binary)), key=Diagnostic.sort_key)
    return replace(validation, diagnostics=tuple(findings))


def _recorded_registry(args: argparse.Namespace) -> RecordedRegistry | None:
    """What a configured database holds (never the embedded one: validation starts no server)."""
    url = args.database_url or os.environ.get(DATABASE_URL_VARIABLE)
    if not url:
        return None
    import psycopg  # only a run with a database pays for it

    from reconciler.db.connection import open_database
    from reconciler.db.errors import DatabaseUnavailable, SchemaTooNew
    from reconciler.db.sync import read_recorded_registry

    try:
        conn = open_database(url, args.state_dir)
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        raise UsageError(str(exc)) from None
    try:
        return read_recorded_registry(conn)
    except psycopg.Error as exc:
        raise UsageError(f"cannot read the database: {str(exc).strip()}") from None
    finally:
        conn.close()


def run(args: argparse.Namespace) -> int:
    base = None
    if args.base:
        base = validate_source(read_base(args, args.base), state_dir=args.state_dir)
    validation = load_repository(args, base=base, actor=args.actor, recorded=_recorded_registry(args))
    if args.vector and not validation.errors:
        validation = _with_vector_findings(validation)
    failed = bool(validation.errors) or (args.strict and bool(validation.warnings))
    report = fold(validation.diagnostics)
    if args.format == "json":
        json.dump(
            {
                "valid": not failed,
                "source": validation.source.description,
                "commit": validation.source.commit,
                "documents": len(validation.documents),
                "errors": len(validation.errors),
                "warnings": len(validation.warnings),
                "diagnostics": [d.to_json() for d in report.ordered()],
            },
            sys.stdout,
            indent=2,
        )
        print()
    else:
        for line in report.lines(verbose=args.verbose):
            print(line)
        print(_summary(validation), file=sys.stderr)
    return 1 if failed else 0
