"""The `portal` command line: one module per command, each with `register(subparsers)` and `run(args)`.

Only the command being run is imported (with its dependencies): `portal --help` and `--version` import none.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
from collections.abc import Sequence

from reconciler import __version__
from reconciler.cli.options import PortalParser, UsageError

# Command modules under reconciler.cli, in the order `portal --help` lists them, with their one-line help.
COMMANDS = {
    "validate": "check every document: schemas, references, rules",
    "init": "create a new platform repo from the starter template",
    "schemas": "work with the JSON Schemas of the repo kinds",
    "compile": "write the Vector configs and the Kubernetes manifests a commit compiles to",
    "pipeline": "work with telemetry Pipelines",
    "codeowners": "write a CODEOWNERS file from the Teams",
    "reconcile": "apply a commit to its clusters: server-side apply, inventory, prune, drift, health",
    "plan": "show what reconcile would create, update and prune on each cluster",
    "check": "say what merging a change would do: findings, objects per cluster, versions, pipelines, workspaces",
    "daemon": "keep the clusters and the database at a branch continuously: poll, webhooks, drift, metrics",
    "db": "migrate, inspect, sync or stop the PostgreSQL metadata store",
    "versions": "ask how the registry parses and orders version strings",
    "site": "build or serve the static catalog of a commit: pages, indexes and search",
    "terminal": "serve the live-terminal sidecar, or make a one-time terminal token",
}


def build_parser(only: str | None = None) -> PortalParser:
    """The parser; only the command `only` is imported and registered in full, the others are listed."""
    parser = PortalParser(
        prog="portal",
        description="Butler Portal as GitOps: validate, compile and apply a developer platform kept in Git.",
    )
    parser.add_argument("--version", action="version", version=f"portal {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        if name == only:
            importlib.import_module(f"reconciler.cli.{name}").register(subparsers)
        else:
            subparsers.add_parser(name, help=help_text, add_help=False)
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
