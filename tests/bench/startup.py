"""[engine] What a fresh `portal` process pays before it does anything: `--help` and `--version` (target
<= 0.15 s each: no command and no Kubernetes client is imported for them), beside `portal validate` of the
starter repo with its state dir warm.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from reconciler.resources import template_dir
from tests.bench.measure import run_process

RUNS = 7
TARGET_SECONDS = 0.15


def _walls(argv: list[str]) -> list[float]:
    walls = []
    for _ in range(RUNS):
        measured = run_process(argv)
        assert measured.returncode == 0, f"{' '.join(argv)} failed"
        walls.append(measured.seconds)
    return walls


def run() -> list[str]:
    portal = str(Path(sys.executable).with_name("portal"))
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        validate = [portal, "validate", str(template_dir()), "--state-dir", str(Path(tmp) / "state")]
        run_process(validate)  # the state dir warm, as a developer's is
        figures = {
            "portal --help": _walls([portal, "--help"]),
            "portal --version": _walls([portal, "--version"]),
            "portal validate repo-template (warm)": _walls(validate),
        }
    lines = [
        f"{what}: median {statistics.median(walls):.3f} s, best {min(walls):.3f} s over {RUNS} runs"
        + ("" if "validate" in what else f" (target <= {TARGET_SECONDS} s)")
        for what, walls in figures.items()
    ]
    slowest = max(statistics.median(figures[k]) for k in ("portal --help", "portal --version"))
    verdict = "met" if slowest <= TARGET_SECONDS else "MISSED"
    return [*lines, f"startup: --help and --version median at most {slowest:.3f} s: target {verdict}"]
