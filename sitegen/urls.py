"""Where each page lives. URLs are directory URLs relative to the site root ("" is the home page)."""

from __future__ import annotations

import re
from urllib.parse import quote

# kind → the index listing it; per-entity pages live under the singular (`team/<name>/`).
INDEXES = {
    "Team": "teams/",
    "Cluster": "clusters/",
    "Workspace": "workspaces/",
    "Artifact": "artifacts/",
    "Pipeline": "pipelines/",
    "Policy": "policies/",
}
SEARCH = "search/"


_PLAIN = re.compile(r"[a-z0-9.-]+")  # DNS names, as the schemas require: nothing to quote


def _segment(name: str) -> str:
    return name if _PLAIN.fullmatch(name) else quote(name, safe="")


def entity_url(kind: str, *names: str) -> str:
    """`workspace/<team>/<name>/` for workspaces, `<kind>/<name>/` for the others."""
    return "/".join([kind.lower(), *(_segment(n) for n in names)]) + "/"


def terminal_url(team: str, name: str) -> str:
    return f"terminal/{_segment(team)}/{_segment(name)}/"


def doc_path(url: str) -> str:
    """The Markdown file MkDocs turns into `url` (directory URLs)."""
    return "index.md" if url == "" else url.rstrip("/") + ".md"


def relative(target: str, page: str) -> str:
    """A link from the page at `page` to `target` that works from any base path and from files on disk: up to the
    root, then down (every URL here is a directory URL, so the page's depth is its count of slashes)."""
    return "../" * page.count("/") + target or "./"
