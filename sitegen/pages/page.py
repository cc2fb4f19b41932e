"""A rendered page: where it goes and what it holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sitegen.urls import doc_path

SEARCH_BODY = "data-pagefind-body"  # the attribute of the element Pagefind indexes


@dataclass(frozen=True, slots=True)
class Page:
    url: str  # "workspace/payments/alice-ledger/"
    title: str
    body: str  # safe HTML: everything from a document in it is escaped or sanitised

    @property
    def path(self) -> str:
        return doc_path(self.url)

    @property
    def searchable(self) -> bool:
        """Carries the mark of the part Pagefind indexes: once one page does, Pagefind leaves out those that do not
        (and, reading the attribute itself, a page that only mentions the mark in its text)."""
        return SEARCH_BODY in self.body


@dataclass(frozen=True, slots=True)
class PageJob:
    """A page to render, with the digest of what it shows ("" when it is rendered on every build)."""

    url: str
    fingerprint: str
    render: Callable[[], Page]

    @property
    def path(self) -> str:
        return doc_path(self.url)
