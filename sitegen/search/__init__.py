"""Client-side search with Pagefind: an index of small chunks beside the pages, loaded by the browser only as
a query needs them, so no request leaves the site and the first query stays small.

Pagefind reads HTML files and has no incremental mode. It is not given the built site (most of which is the
theme's navigation and the big index pages, none of it indexed) but a search document per searchable page, kept
beside the MkDocs project and written with the page's file: the page's body in a bare HTML document that Pagefind
reads as it reads the built page (same URL, language, title and content), so that the index is the same byte for
byte. Pagefind runs in its service mode, which hands the index back in memory and lets a page be indexed again in
place of what was indexed at its URL: a rebuild has it index the documents kept from the last build while the commit
is read and the pages are rendered, then again the few documents rendered anew (a build that adds or deletes a
document indexes them all again once they are written: a page added later would be numbered after the others, and
the index would differ from a first build's), and builds the index while MkDocs runs. The index is then written
into the site in place (see `bundle`): only the files that changed are written, and the old index serves until the
switch.
"""

from __future__ import annotations

import threading
import time
from html import escape
from pathlib import Path

from sitegen.pages.page import Page
from sitegen.search.bundle import remove_bundle, update_bundle
from sitegen.search.service import (
    PagefindService,
    ServiceError,
    add_document,
    add_folder,
    bundle_files,
    new_index,
)

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


_REINDEX_LIMIT = 1000  # documents indexed again one by one; past that, the whole folder is quicker


class Indexing:
    """Pagefind indexing the search documents of `sources` (in a thread: it waits on Pagefind, which runs beside
    the caller): started before the pages are rendered, told what they changed by `rendered`, until `finish`
    writes the index into `out`, or `cancel` drops it."""

    def __init__(self, sources: Path, out: Path) -> None:
        self._sources = sources
        self._bundle = out / BUNDLE
        self._started = time.perf_counter()
        self.seconds = 0.0  # Pagefind's run, once finished
        self._files: dict[str, bytes] | None = None  # empty: nothing is searchable
        self._error: ServiceError | None = None
        self._changed: tuple[tuple[str, ...], bool] | None = None
        self._rendered = threading.Event()
        self._cancelled = False
        self._services: list[PagefindService] = []
        self._thread = threading.Thread(target=self._index, name=BUNDLE, daemon=True)
        self._thread.start()

    def rendered(self, rewritten: tuple[str, ...], reshaped: bool) -> None:
        """The pages are rendered: `rewritten` are the documents written, `reshaped` whether any was added or
        deleted."""
        self._changed = (rewritten, reshaped)
        self._rendered.set()

    def _service(self) -> PagefindService:
        service = PagefindService()
        self._services.append(service)
        return service

    def _kept_index(self) -> tuple[PagefindService, int] | None:
        """The documents kept from the last build, indexed while the pages are rendered (None when there are none,
        or Pagefind stumbled over a document deleted under it: the whole folder is indexed again then)."""
        if not any(self._sources.rglob("*.html")):
            return None
        service = self._service()
        index_id = new_index(service)
        try:
            add_folder(service, index_id, self._sources)
        except ServiceError:
            return None
        return service, index_id

    def _index(self) -> None:
        try:
            kept = self._kept_index()
            self._rendered.wait()
            if self._cancelled or self._changed is None:
                return
            rewritten, reshaped = self._changed
            if kept and not reshaped and len(rewritten) <= _REINDEX_LIMIT:
                service, index_id = kept
                for path in rewritten:
                    url = "/" + path.removesuffix("index.html")
                    add_document(service, index_id, url, (self._sources / path).read_text(encoding="utf-8"))
            elif any(self._sources.rglob("*.html")):
                service = self._service()
                index_id = new_index(service)
                add_folder(service, index_id, self._sources)
            else:
                self._files = {}  # Pagefind refuses to build an empty index: then there is none
                return
            self._files = bundle_files(service, index_id)
        except ServiceError as exc:
            self._error = exc
        finally:
            self.seconds = time.perf_counter() - self._started

    def _stop(self) -> None:
        self._thread.join()
        for service in self._services:
            service.close()

    def finish(self) -> None:
        """Wait for Pagefind and write its index into the site; SearchIndexError (the old index kept) when it
        failed."""
        self._stop()
        if self._error is not None or self._files is None:
            raise SearchIndexError(str(self._error))
        if self._files:
            update_bundle(self._bundle, self._files)
        else:
            remove_bundle(self._bundle)

    def cancel(self) -> None:
        self._cancelled = True
        self._rendered.set()
        for service in list(self._services):
            service.kill()
        self._stop()
