"""Every internal link and asset of the built site resolves to a file of it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

REFERENCE = re.compile(r"""\b(?:href|src)="([^"]*)\"""")


def target(site: Path, page: Path, reference: str) -> Path | None:
    """The file a relative reference of `page` names, or None when it leaves the site (a scheme, a fragment)."""
    parts = urlsplit(reference)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    # 404.html is served at any depth, so it names assets from the site's root.
    base = site if parts.path.startswith("/") else page.parent
    path = (base / unquote(parts.path).lstrip("/")).resolve()
    return path / "index.html" if reference.split("#")[0].endswith("/") or path.is_dir() else path


def test_no_internal_link_is_broken(template_site: Path) -> None:
    pages = sorted(p for p in template_site.rglob("*.html") if "pagefind" not in p.parts)
    checked = 0
    broken = []
    for page in pages:
        for reference in REFERENCE.findall(page.read_text(encoding="utf-8")):
            path = target(template_site, page, reference)
            if path is None:
                continue
            checked += 1
            if not path.is_file() or template_site.resolve() not in path.parents:
                broken.append(f"{page.relative_to(template_site)} → {reference}")
    assert broken == []
    assert checked > 500  # the crawl saw the pages' links, not nothing
