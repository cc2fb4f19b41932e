"""`portal compile`: Vector configs per pipeline and per cluster and role, and each cluster's manifests."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reconciler.build import BuildSettings, build
from reconciler.build.outputs import write_outputs
from reconciler.cli import COMMANDS
from reconciler.cli.options import (
    UsageError,
    add_instance_argument,
    add_source_arguments,
    check_instance,
    source_settings,
    state_dir,
)
from reconciler.cli.source import load_repository
from reconciler.herald.vector_binary import VECTOR_MISSING, find_vector, vector_validate
from reconciler.herald.workloads import DEFAULT_SETTINGS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compile",
        help=COMMANDS["compile"],
        description=(
            "Validate, then write DIR/pipelines/<pipeline>.vector.yaml (each pipeline alone), "
            "DIR/clusters/<cluster>/vector-<role>.yaml (the pipelines merged per cluster and role) and "
            "DIR/clusters/<cluster>/manifests.yaml (the objects to apply). They are written beside DIR first and moved "
            "in only when all are, so a failure keeps the earlier outputs. Exit status: 0 written, "
            "1 the documents have errors (nothing written) or vector rejects a config, 2 usage error "
            "(or no vector binary for --vector)."
        ),
    )
    add_source_arguments(parser)
    parser.add_argument("--out", "-o", type=Path, required=True, metavar="DIR", help="where to write")
    add_instance_argument(parser)
    parser.add_argument("--vector-image", default=DEFAULT_SETTINGS.image, help="the pinned Vector image to run")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument(
        "--vector",
        action="store_true",
        help="also run `vector validate --no-environment` on each written config (needs vector on PATH)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = BuildSettings(instance=check_instance(args.instance), vector_image=args.vector_image)
    binary = find_vector() if args.vector else None
    if args.vector and binary is None:  # a check that was asked for cannot run: before anything is written
        raise UsageError(VECTOR_MISSING)
    validation = load_repository(source_settings(args), state_dir(args))
    for diagnostic in validation.diagnostics:
        print(diagnostic.format())
    if validation.errors or (args.strict and validation.warnings):
        print(f"{len(validation.errors)} error(s): nothing written", file=sys.stderr)
        return 1
    try:
        configs = write_outputs(build(validation, settings), args.out)
    except OSError as exc:
        raise UsageError(f"cannot write to {args.out}: {exc.strerror or exc}") from exc
    print(f"wrote {len(configs)} Vector config(s) and the cluster manifests to {args.out}", file=sys.stderr)
    if binary is None:
        return 0
    rejected = vector_validate(configs, binary)
    for diagnostic in rejected:
        print(diagnostic.format())
    return 1 if rejected else 0
