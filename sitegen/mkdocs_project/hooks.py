"""MkDocs hooks of the portal's own project (the repo's site/ may set none): every page body is HTML the portal
rendered and made safe already, so it goes into the page as it is instead of through MkDocs' Markdown parser,
which would only re-read it (half of MkDocs' time on a large catalog)."""

from __future__ import annotations

from typing import Any

_bodies: dict[str, str] = {}  # page file → its HTML, between the two hooks of the page's build


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    _bodies[page.file.src_uri] = markdown
    return ""


def on_page_content(html: str, page: Any, **_: Any) -> str:
    return _bodies.pop(page.file.src_uri, html)
