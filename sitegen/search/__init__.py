"""Client-side search with Pagefind: an index of small chunks beside the pages, loaded by the browser only as
a query needs them, so no request leaves the site and the first query stays small.

Pagefind reads HTML files and has no incremental mode. It is not given the built site (most of which is the
theme's navigation and the big index pages, none of it indexed) but a search document per searchable page, kept
beside the MkDocs project and written with the page's file: the page's body in a bare HTML document that Pagefind
reads as it reads the built page (same URL, language, title and content), so that the index is the same byte for
byte. Those documents are current once the pages are rendered, so Pagefind runs alongside MkDocs, writing a new
index into a hidden folder of the site (MkDocs' full build empties the site but leaves hidden entries), which is
swapped in when both are done: the old index serves until then.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from html import escape
from pathlib import Path

from pagefind_bin import get_executable

from sitegen.pages.page import Page

BUNDLE = "pagefind"
LANGUAGE = "en"  # the pages' language (Material's `theme.language`), which Pagefind reads from <html lang>
SOURCES = "search"  # in the MkDocs project: the search documents, at the built pages' paths
_STAGING, _RETIRED = f".{BUNDLE}-new", f".{BUNDLE}-old"


class SearchIndexError(Exception):
    pass


def source_path(url: str) -> str:
    """Where a page's search document goes: the built page's own path, from which Pagefind takes its URL."""
    return url + "index.html"


def search_document(page: Page) -> str | None:
    """What Pagefind reads of `page` (None for a page it does not index)."""
    if not page.searchable:
        return None
    # Material heads a body without an <h1> with one of the page's title; Pagefind titles a result by the first.
    heading = "" if "<h1" in page.body else f"<h1>{escape(page.title)}</h1>\n"
    return f'<!DOCTYPE html>\n<html lang="{LANGUAGE}">\n<body>\n{heading}{page.body}\n</body>\n</html>\n'


class Indexing:
    """Pagefind indexing the search documents of `sources` into a hidden folder of `out`, until `finish` swaps
    the new index in (or `cancel` drops it)."""

    def __init__(self, sources: Path, out: Path) -> None:
        self._out = out
        self._started = time.perf_counter()
        self.seconds = 0.0  # Pagefind's run, once finished
        shutil.rmtree(out / _STAGING, ignore_errors=True)
        # A file, not a pipe: a full pipe nobody reads would stall Pagefind. Closed by finish or cancel.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self._process: subprocess.Popen[bytes] | None = None
        if not any(sources.rglob("*.html")):
            return  # nothing to index: no index (Pagefind refuses to build an empty one)
        command = [str(get_executable()), "--site", str(sources), "--output-path", str(out / _STAGING), "--quiet"]
        try:
            self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        except OSError as exc:
            self._log.close()
            raise SearchIndexError(f"cannot run Pagefind: {exc.strerror or exc}") from None

    def finish(self) -> None:
        """Wait for Pagefind and swap its index in; SearchIndexError (the old index kept) when it failed."""
        try:
            if self._process is not None and self._process.wait() != 0:
                self._log.seek(0)
                said = self._log.read().decode("utf-8", "replace").strip()
                raise SearchIndexError(f"Pagefind failed (exit {self._process.returncode}): {said}")
        except BaseException:
            self.cancel()
            raise
        self.seconds = time.perf_counter() - self._started
        self._log.close()
        current, retired = self._out / BUNDLE, self._out / _RETIRED
        shutil.rmtree(retired, ignore_errors=True)
        if current.exists():
            current.rename(retired)
        if self._process is not None:
            (self._out / _STAGING).rename(current)
        shutil.rmtree(retired, ignore_errors=True)

    def cancel(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._log.close()
        shutil.rmtree(self._out / _STAGING, ignore_errors=True)
