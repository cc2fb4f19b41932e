"""A build written to a folder: what `portal compile` writes, and what `portal reconcile` exports without a cluster."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from reconciler.build import Build
from reconciler.herald.compile import dump_yaml

_OUTPUTS = ("pipelines/*.vector.yaml", "clusters/*/vector-*.yaml", "clusters/*/manifests.yaml")


def render_manifests(objects: list[dict[str, Any]]) -> str:
    return "".join(f"---\n{dump_yaml(obj)}" for obj in objects)


def manifests_file(cluster: str) -> str:
    return f"clusters/{cluster}/manifests.yaml"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def _write_all(built: Build, root: Path) -> tuple[list[Path], list[Path]]:
    """Every output file under `root`: (the Vector configs, all files), as paths relative to `root`."""
    configs: list[Path] = []
    for config in built.vector_configs:
        configs.append(Path(config.path))
        _write(root / config.path, config.rendered(built.commit_label).text)
    files = list(configs)
    for cluster, objects in built.manifests.items():
        files.append(Path(manifests_file(cluster)))
        _write(root / files[-1], render_manifests(objects))
    return configs, files


def write_outputs(built: Build, out: Path) -> list[Path]:
    """Writes every file; returns the Vector configs written (the manifests sit beside them).

    The files are written into a folder beside `out` and moved into `out` only once all of them are, so a failure
    part-way (a name the filesystem refuses, a full disk) leaves the earlier outputs as they were. Then the outputs
    of pipelines and clusters that are gone are removed; other files in `out` are left alone.
    """
    beside = out.resolve().parent  # on `out`'s filesystem (even through a symlink), so moves are renames
    beside.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.resolve().name}.", suffix=".partial", dir=beside))
    try:
        configs, files = _write_all(built, staging)
        earlier = {path.relative_to(out) for pattern in _OUTPUTS for path in out.glob(pattern)}
        for file in files:
            (out / file).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / file, out / file)  # one filesystem: each file is swapped in whole
        for stale in earlier - set(files):
            (out / stale).unlink()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / config for config in configs]
