"""The `portal` command line: one module per command, each with `register(subparsers)` and `run(args)`."""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import os
import sys
from collections.abc import Sequence

from reconciler import __version__
from reconciler.cli.options import UsageError

# Command modules under reconciler.cli, in the order `portal --help` lists them.
COMMANDS = (
    "validate",
    "init",
    "schemas",
    "compile",
    "pipeline",
    "codeowners",
    "reconcile",
    "plan",
    "db",
    "versions",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that command's (importing every command costs time a run never uses)."""
    parser = argparse.ArgumentParser(
        prog="portal",
        description="Butler Portal as GitOps: validate, compile and apply a developer platform kept in Git.",
    )
    parser.add_argument("--version", action="version", version=f"portal {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in (only,) if only in COMMANDS else COMMANDS:
        importlib.import_module(f"reconciler.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=argv[0] if argv else None)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"portal: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug, not bad input: say so plainly, keep the traceback for debugging
        if os.environ.get("PORTAL_DEBUG"):
            raise
        print(
            f"portal: internal error: {type(exc).__name__}: {exc} (set PORTAL_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 2


def entry_point() -> None:
    # A command builds 10^5 long-lived, acyclic objects (documents, the model); the cyclic collector's default
    # thresholds would walk them over and over for nothing.
    gc.set_threshold(100_000, 50, 100)
    code = main()
    # Tearing down those objects one by one takes a tenth of a second that nobody waits for: run the exit
    # handlers, flush, and leave.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
