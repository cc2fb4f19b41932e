"""`portal compile`: Vector configs per pipeline and per cluster and role, and each cluster's manifests."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from reconciler import chambers
from reconciler.cli.options import UsageError, add_source_arguments, load_repository
from reconciler.herald.catalog import default_catalog
from reconciler.herald.compile import dump_yaml, pipeline_config_file, render_config, vector_config
from reconciler.herald.merge import merged_configs
from reconciler.herald.vector_binary import find_vector, vector_validate
from reconciler.herald.workloads import DEFAULT_SETTINGS, desired_objects
from reconciler.model.kinds import RepoModel
from reconciler.model.ownership import DEFAULT_INSTANCE

# Something that contributes Kubernetes objects to clusters: (model, instance id) → cluster → objects.
ManifestProducer = Callable[[RepoModel, str], Mapping[str, list[dict[str, Any]]]]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compile",
        help="write the Vector configs and the Kubernetes manifests a commit compiles to",
        description=(
            "Validate, then write DIR/pipelines/<pipeline>.vector.yaml (each pipeline alone), "
            "DIR/clusters/<cluster>/vector-<role>.yaml (the pipelines merged per cluster and role) and "
            "DIR/clusters/<cluster>/manifests.yaml (the objects to apply). They are written beside DIR first and moved "
            "in only when all are, so a failure keeps the earlier outputs. Exit status: 0 written, "
            "1 the documents have errors (nothing written), 2 usage error."
        ),
    )
    add_source_arguments(parser)
    parser.add_argument("--out", "-o", type=Path, required=True, metavar="DIR", help="where to write")
    parser.add_argument("--instance", default=DEFAULT_INSTANCE, help="this installation's id (ownership label)")
    parser.add_argument("--vector-image", default=DEFAULT_SETTINGS.image, help="the pinned Vector image to run")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument(
        "--vector",
        action="store_true",
        help="also run `vector validate --no-environment` on each written config (when vector is on PATH)",
    )
    parser.set_defaults(func=run)


def manifest_producers(args: argparse.Namespace) -> Sequence[ManifestProducer]:
    """Every kind of object compile writes to the clusters; other kinds join this list."""
    settings = replace(DEFAULT_SETTINGS, image=args.vector_image)
    return (partial(desired_objects, settings=settings), chambers.desired_objects)


def gather_manifests(
    model: RepoModel, instance: str, producers: Sequence[ManifestProducer]
) -> dict[str, list[dict[str, Any]]]:
    clusters: dict[str, list[dict[str, Any]]] = {}
    for produce in producers:
        for cluster, objects in produce(model, instance).items():
            clusters.setdefault(cluster, []).extend(objects)
    return dict(sorted(clusters.items()))


def render_manifests(objects: list[dict[str, Any]]) -> str:
    return "".join(f"---\n{dump_yaml(obj)}" for obj in objects)


_OUTPUTS = ("pipelines/*.vector.yaml", "clusters/*/vector-*.yaml", "clusters/*/manifests.yaml")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def _write_all(
    model: RepoModel, root: Path, commit: str, instance: str, producers: Sequence[ManifestProducer]
) -> tuple[list[Path], list[Path]]:
    """Every output file under `root`: (the Vector configs, all files), as paths relative to `root`."""
    catalog = default_catalog()
    configs: list[Path] = []
    for name, pipeline in sorted(model.pipelines.items()):
        rendered = render_config(vector_config(pipeline, catalog), [name], commit)
        configs.append(Path("pipelines") / pipeline_config_file(name))
        _write(root / configs[-1], rendered.text)
    for merged in merged_configs(model, catalog):
        rendered = render_config(merged.config, merged.pipeline_names, commit)
        configs.append(Path("clusters") / merged.cluster / f"vector-{merged.role}.yaml")
        _write(root / configs[-1], rendered.text)
    files = list(configs)
    for cluster, objects in gather_manifests(model, instance, producers).items():
        files.append(Path("clusters") / cluster / "manifests.yaml")
        _write(root / files[-1], render_manifests(objects))
    return configs, files


def write_outputs(
    model: RepoModel, out: Path, commit: str, instance: str, producers: Sequence[ManifestProducer]
) -> list[Path]:
    """Writes every file; returns the Vector configs written (the manifests sit beside them).

    The files are written into a folder beside `out` and moved into `out` only once all of them are, so a failure
    part-way (a name the filesystem refuses, a full disk) leaves the earlier outputs as they were. Then the outputs
    of pipelines and clusters that are gone are removed; other files in `out` are left alone.
    """
    beside = out.resolve().parent  # on `out`'s filesystem (even through a symlink), so moves are renames
    beside.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.resolve().name}.", suffix=".partial", dir=beside))
    try:
        configs, files = _write_all(model, staging, commit, instance, producers)
        earlier = {path.relative_to(out) for pattern in _OUTPUTS for path in out.glob(pattern)}
        for file in files:
            (out / file).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / file, out / file)  # one filesystem: each file is swapped in whole
        for stale in earlier - set(files):
            (out / stale).unlink()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / config for config in configs]


def run(args: argparse.Namespace) -> int:
    validation = load_repository(args)
    for diagnostic in validation.diagnostics:
        print(diagnostic.format())
    if validation.errors or (args.strict and validation.warnings):
        print(f"{len(validation.errors)} error(s): nothing written", file=sys.stderr)
        return 1
    # Never a local path: the output must be the same on every machine.
    commit = validation.source.commit or "uncommitted working tree"
    try:
        configs = write_outputs(validation.model, args.out, commit, args.instance, manifest_producers(args))
    except OSError as exc:
        raise UsageError(f"cannot write to {args.out}: {exc.strerror or exc}") from exc
    print(f"wrote {len(configs)} Vector config(s) and the cluster manifests to {args.out}", file=sys.stderr)
    if not args.vector:
        return 0
    binary = find_vector()
    if binary is None:
        print("note: no vector binary on PATH: vector validate skipped", file=sys.stderr)
        return 0
    rejected = vector_validate(configs, binary)
    for diagnostic in rejected:
        print(diagnostic.format())
    return 1 if rejected else 0
