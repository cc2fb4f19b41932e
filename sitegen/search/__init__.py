"""Client-side search with Pagefind: an index of small chunks beside the pages, loaded by the browser only as
a query needs them, so no request leaves the site and the first query stays small.

Pagefind reads HTML files and has no incremental mode. It is not given the built site (most of which is the
theme's navigation and the big index pages, none of it indexed) but a search document per searchable page, kept
beside the MkDocs project and written with the page's file: the page's body in a bare HTML document that Pagefind
reads as it reads the built page (same URL, language, title and content), so that the index is the same byte for
byte. Those documents are current once the pages are rendered, so Pagefind indexes them alongside MkDocs (in its
service mode, which hands the index back in memory); the index is then written into the site in place (see
`bundle`): only the files that changed are written, and the old index serves until the switch.
"""

from __future__ import annotations

import threading
import time
from html import escape
from pathlib import Path

from sitegen.pages.page import Page
from sitegen.search.bundle import remove_bundle, update_bundle
from sitegen.search.service import PagefindService, ServiceError, index_folder

BUNDLE = "pagefind"
LANGUAGE = "en"  # the pages' language (Material's `theme.language`), which Pagefind reads from <html lang>
SOURCES = "search"  # in the MkDocs project: the search documents, at the built pages' paths


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
    """Pagefind indexing the search documents of `sources` (in a thread: it waits on Pagefind, which runs beside
    the caller) until `finish` writes the index into `out`, or `cancel` drops it."""

    def __init__(self, sources: Path, out: Path) -> None:
        self._bundle = out / BUNDLE
        self._started = time.perf_counter()
        self.seconds = 0.0  # Pagefind's run, once finished
        self._files: dict[str, bytes] | None = None
        self._error: ServiceError | None = None
        self._service: PagefindService | None = None
        self._thread: threading.Thread | None = None
        if not any(sources.rglob("*.html")):
            return  # Pagefind refuses to build an empty index: then there is none
        try:
            self._service = PagefindService()
        except ServiceError as exc:
            self._error = exc  # reported by finish, once the pages are built
            return
        self._thread = threading.Thread(target=self._index, args=(self._service, sources), name=BUNDLE, daemon=True)
        self._thread.start()

    def _index(self, service: PagefindService, sources: Path) -> None:
        try:
            self._files = index_folder(service, sources)
        except ServiceError as exc:
            self._error = exc
        finally:
            self.seconds = time.perf_counter() - self._started

    def _stop(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._service is not None:
            self._service.close()

    def finish(self) -> None:
        """Wait for Pagefind and write its index into the site; SearchIndexError (the old index kept) when it
        failed."""
        self._stop()
        if self._service is None and self._error is None:
            remove_bundle(self._bundle)
            return
        if self._error is not None or self._files is None:
            raise SearchIndexError(str(self._error))
        update_bundle(self._bundle, self._files)

    def cancel(self) -> None:
        if self._service is not None:
            self._service.kill()
        self._stop()
