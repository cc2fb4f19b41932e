"""`sitemap.xml` (sitemaps.org protocol 0.9) of the site's pages."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urljoin, urlsplit
from xml.sax.saxutils import escape

SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000  # the protocol's limit per sitemap file


def absolute_base(base_url: str) -> str:
    """`base_url` ending in a slash; ValueError unless it is an absolute http(s) URL, as the protocol requires."""
    if urlsplit(base_url).scheme not in ("https", "http") or not urlsplit(base_url).netloc:
        raise ValueError(f"a sitemap needs an absolute http(s) base URL, got {base_url!r}")
    return base_url if base_url.endswith("/") else base_url + "/"


def sitemap_xml(page_paths: Iterable[str], base_url: str) -> bytes:
    """A sitemap listing each page once, in path order; `page_paths` are relative to `base_url` (see
    `absolute_base`). Paths are percent-encoded and the XML escaped, so any path gives a valid file."""
    base_url = absolute_base(base_url)
    paths = sorted({path.lstrip("/") for path in page_paths})
    if len(paths) > MAX_URLS:
        raise ValueError(f"a sitemap holds at most {MAX_URLS} URLs, got {len(paths)}")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NAMESPACE}">']
    for path in paths:
        location = urljoin(base_url, quote(path, safe="/-._~"))
        lines.append(f"  <url><loc>{escape(location)}</loc></url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()
