"""`vector validate --no-environment` on compiled configs, and `vector test` on pipelines' tests, when a `vector`
binary is installed.

Our own checks mirror Vector's rules; the binary, when present, is the last word. `--no-environment` skips
the checks that need the sinks to be reachable, so this works in CI.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from reconciler.model import Diagnostic, Location, error

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
TIMEOUT_SECONDS = 60
# A check that was asked for and could not run: the commands exit 2.
VECTOR_MISSING = "--vector needs a vector binary on PATH: vector validate could not run"


def find_vector() -> str | None:
    return shutil.which("vector")


def _summary(output: str, command: str = "validate") -> str:
    lines = [line.strip() for line in _ANSI.sub("", output).splitlines()]
    meaningful = [line for line in lines if line and not line.startswith(("√", "~", "-", "Validated", "Running"))]
    return "; ".join(meaningful[:10]) or f"vector {command} failed without a message"


def run_vector_test(path: Path, binary: str) -> str | None:
    """`vector test` on one config with tests: None when they pass, else what Vector said."""
    try:
        result = subprocess.run(
            [binary, "test", str(path)], capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"vector test could not run: {exc}"
    if result.returncode == 0:
        return None
    return f"vector test fails: {_summary(result.stdout + result.stderr, 'test')}"


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
