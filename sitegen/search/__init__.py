"""Client-side search with Pagefind: an index of small chunks beside the pages, loaded by the browser only as
a query needs them, so no request leaves the site and the first query stays small.

Pagefind has no incremental mode: a rebuild writes a new index into a fresh folder and swaps it in, so the
old index serves until then.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pagefind_bin import get_executable

BUNDLE = "pagefind"


class SearchIndexError(Exception):
    pass


def index_site(out: Path) -> None:
    """Index the pages of `out` (those marked data-pagefind-body) into out/pagefind."""
    staging = out / f".{BUNDLE}-new"
    shutil.rmtree(staging, ignore_errors=True)
    result = subprocess.run(
        [str(get_executable()), "--site", str(out), "--output-path", str(staging), "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise SearchIndexError(f"pagefind failed: {result.stderr.strip() or result.stdout.strip()}")
    old = out / f".{BUNDLE}-old"
    shutil.rmtree(old, ignore_errors=True)
    if (out / BUNDLE).exists():
        (out / BUNDLE).rename(old)
    staging.rename(out / BUNDLE)
    shutil.rmtree(old, ignore_errors=True)
