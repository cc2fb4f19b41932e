"""A rendered page: where it goes and what it holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sitegen.urls import doc_path


@dataclass(frozen=True, slots=True)
class Page:
    url: str  # "workspace/payments/alice-ledger/"
    title: str
    body: str  # safe HTML: everything from a document in it is escaped or sanitised
    searchable: bool = True  # indexed by Pagefind

    @property
    def path(self) -> str:
        return doc_path(self.url)


@dataclass(frozen=True, slots=True)
class PageJob:
    """A page to render, with the digest of what it shows ("" when it is rendered on every build)."""

    url: str
    fingerprint: str
    render: Callable[[], Page]

    @property
    def path(self) -> str:
        return doc_path(self.url)
