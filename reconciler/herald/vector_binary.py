"""`vector validate --no-environment` on compiled configs, when a `vector` binary is installed.

Our own checks mirror Vector's rules; the binary, when present, is the last word. `--no-environment` skips
the checks that need the sinks to be reachable, so this works in CI.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from reconciler.herald.catalog import Catalog, default_catalog
from reconciler.herald.compile import render_config, vector_config
from reconciler.herald.merge import merged_configs
from reconciler.model import Diagnostic, Location, error
from reconciler.model.kinds import Pipeline, RepoModel

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
TIMEOUT_SECONDS = 60


def find_vector() -> str | None:
    return shutil.which("vector")


def _summary(output: str) -> str:
    lines = [line.strip() for line in _ANSI.sub("", output).splitlines()]
    meaningful = [line for line in lines if line and not line.startswith(("√", "~", "-", "Validated"))]
    return "; ".join(meaningful[:10]) or "vector validate failed without a message"


def vector_validate(paths: Sequence[Path], binary: str) -> list[Diagnostic]:
    """One error per config the binary rejects. Each file alone: given several, Vector would merge them."""
    findings = []
    for path in paths:
        try:
            result = subprocess.run(
                [binary, "validate", "--no-environment", str(path)],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            findings.append(error(f"vector validate could not run: {exc}", Location(str(path))))
            continue
        if result.returncode != 0:
            message = f"vector validate rejects this config: {_summary(result.stdout + result.stderr)}"
            findings.append(error(message, Location(str(path))))
    return findings


def check_with_vector(model: RepoModel, binary: str, catalog: Catalog | None = None) -> list[Diagnostic]:
    """`vector validate` on every config a commit compiles to, each rejection placed at its Pipeline document:
    what `portal validate --vector` reports. Run it only on a model without errors of its own."""
    catalog = catalog or default_catalog()
    findings: list[Diagnostic] = []
    with tempfile.TemporaryDirectory(prefix="portal-vector-") as tmp:
        configs: list[tuple[Path, Pipeline, str]] = []
        for name, pipeline in sorted(model.pipelines.items()):
            configs.append((Path(tmp) / f"{name}.vector.yaml", pipeline, "its config"))
            configs[-1][0].write_text(render_config(vector_config(pipeline, catalog), [name]).text, encoding="utf-8")
        for merged in merged_configs(model, catalog):
            path = Path(tmp) / f"{merged.cluster}.{merged.role}.vector.yaml"
            path.write_text(render_config(merged.config, merged.pipeline_names).text, encoding="utf-8")
            what = f"the config merged for {merged.cluster} ({merged.role})"
            configs.append((path, merged.pipelines[0], what))
        for path, pipeline, what in configs:
            for rejection in vector_validate([path], binary):
                doc = pipeline.doc
                message = rejection.message.replace("this config", what, 1)
                findings.append(error(message, doc.location("metadata", "name"), doc.subject))
    return findings
