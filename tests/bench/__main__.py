"""`python -m tests.bench [NAME...]`: run the benchmarks (all by default) and print their figures."""

from __future__ import annotations

import compileall
import importlib
import sys
import time
from pathlib import Path

import reconciler

BENCHMARKS = (
    "foundation",
    "startup",
    "herald",
    "keeper",
    "apply",
    "metadata",
    "check",
    "daemon",
    "shards",
    "terminal",
    "herald_tests",
    "site",
)


def main(names: list[str]) -> int:
    # Measure what an install runs: a wheel's install byte-compiles the package, and with PYTHONDONTWRITEBYTECODE
    # set (as here) a process would otherwise compile every module it imports from source.
    compileall.compile_dir(Path(reconciler.__file__).parent, quiet=1)
    for name in names or BENCHMARKS:
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(f"tests.bench.{name}")
        except ModuleNotFoundError:
            print(f"   (no benchmark module tests/bench/{name}.py yet)")
            continue
        for line in module.run():
            print(f"   {line}", flush=True)
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
