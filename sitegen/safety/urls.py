"""Links taken from documents: only schemes a browser cannot run, with any password hidden."""

from __future__ import annotations

import re

from reconciler.passwords import shown_url

ALLOWED_SCHEMES = frozenset({"https", "http", "mailto"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# Browsers drop these anywhere in a URL before reading its scheme ("java\tscript:" runs).
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")


def safe_url(url: str) -> str | None:
    """`url` as it may be linked (password hidden), or None when its scheme is not allow-listed."""
    compact = _IGNORED_BY_BROWSERS.sub("", url)
    if not compact or compact.startswith("//") or compact.startswith("\\"):
        return None  # protocol-relative: another origin under no scheme at all
    scheme = _SCHEME.match(compact)
    if scheme and scheme.group(1).lower() not in ALLOWED_SCHEMES:
        return None
    if not scheme and ":" in compact.split("/", 1)[0]:
        return None  # not a relative path either (git@host:repo): shown as text, never linked
    return shown_url(url.strip())
