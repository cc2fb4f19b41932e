"""Running a command as a fresh process and reading its wall time and peak memory."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_mib: float
    cpu_seconds: float
    returncode: int
    stdout: str
    stderr: str = ""  # kept only when asked for


def run_process(argv: Sequence[str], *, cwd: str | None = None, keep_stderr: bool = False) -> Measurement:
    """Run `argv` to completion; peak RSS is the process's own (children it forks report separately)."""
    # stderr goes to a file when kept: a full pipe nobody reads would stall the process.
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=errors if keep_stderr else subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        errors.seek(0)
        return Measurement(
            seconds=elapsed,
            peak_rss_mib=usage.ru_maxrss / 1024,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            returncode=process.returncode,
            stdout=out,
            stderr=errors.read().decode("utf-8", "replace"),
        )
