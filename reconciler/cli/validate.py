"""`portal validate`: every document of a commit or working tree, with located findings."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from reconciler.cli import COMMANDS
from reconciler.cli.options import (
    UsageError,
    add_database_argument,
    add_source_arguments,
    source_settings,
    state_dir,
)
from reconciler.cli.source import load_repository, read_base
from reconciler.db import DATABASE_URL_VARIABLE
from reconciler.herald.tests.memo import TestMemo
from reconciler.model import Diagnostic
from reconciler.validate import Validation, validate_source
from reconciler.validate.folding import fold
from reconciler.validate.memo import ValidationMemo
from reconciler.validate.pipeline_tests import with_test_findings

if TYPE_CHECKING:
    from reconciler.model.recorded import RecordedRegistry
    from reconciler.state_dir import StateDir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help=COMMANDS["validate"],
        description=(
            "Validate the documents of a working tree (PATH, default .) or of a commit (--repo, --ref). "
            "Findings print as path:line:col: error|warning|note: Kind/name: message. "
            "Exit status: 0 valid (warnings and notes alone too), 1 errors (or warnings with --strict), 2 usage error "
            "(or a check that was asked for could not run, as --vector without a vector binary)."
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
    add_database_argument(
        parser,
        f"also check against what this PostgreSQL metadata store recorded (default: ${DATABASE_URL_VARIABLE}; "
        "without either, no database is read): a registry key stays with its team, archived ones included",
    )
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument(
        "--vector",
        action="store_true",
        help="also run `vector validate --no-environment` on every compiled Vector config, and `vector test` on "
        "every pipeline's tests (unless --no-tests) (needs vector on PATH: exit 2 without)",
    )
    parser.add_argument(
        "--no-tests",
        action="store_true",
        help="do not run the Pipelines' spec.tests (by default they run on an in-process simulation of the "
        "transforms; results are remembered in the state dir by what each pipeline's config compiles from and "
        "its tests)",
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


def _with_vector_findings(validation: Validation, run_tests: bool) -> Validation:
    """Vector's own verdict on what the commit compiles to; without the binary, the check asked for cannot run."""
    from reconciler.build import build
    from reconciler.build.vector_check import check_with_vector, vector_test_findings
    from reconciler.herald.vector_binary import VECTOR_MISSING, find_vector

    binary = find_vector()
    if binary is None:
        raise UsageError(VECTOR_MISSING)
    rejected = check_with_vector(build(validation).vector_configs, binary)
    if run_tests:
        rejected += vector_test_findings(validation.model, binary)
    findings = sorted((*validation.diagnostics, *rejected), key=Diagnostic.sort_key)
    return replace(validation, diagnostics=tuple(findings))


def _recorded_registry(args: argparse.Namespace, state: StateDir) -> RecordedRegistry | None:
    """What a configured database holds (never the embedded one: validation starts no server)."""
    url = args.database_url or os.environ.get(DATABASE_URL_VARIABLE)
    if not url:
        return None
    from reconciler.cli.database import read_database
    from reconciler.db.sync import read_recorded_registry

    return read_database(url, state, read_recorded_registry)


def run(args: argparse.Namespace) -> int:
    source, state = source_settings(args), state_dir(args)
    memo = ValidationMemo(state.root)  # the base and the head share the state dir's cache and the schemas
    base = None
    if args.base:
        base = validate_source(read_base(source, state, args.base), state_dir=state.root, memo=memo)
    recorded = _recorded_registry(args, state)
    validation = load_repository(source, state, base=base, actor=args.actor, recorded=recorded, memo=memo)
    if not args.no_tests:
        validation = with_test_findings(validation, TestMemo(state.root))
    if args.vector and not validation.errors:
        validation = _with_vector_findings(validation, not args.no_tests)
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
