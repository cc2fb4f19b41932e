"""The MkDocs project a site is built from: pages written as Markdown files holding safe HTML, a config the
portal writes itself (never the repo's), and MkDocs with Material run on it.

The project is kept between builds (in the state dir), and a page file is rewritten only when its text
changes: a rebuild then runs MkDocs' dirty build, which renders only the pages whose file is newer than their
output. Per-entity pages are not in the nav, so a changed entity leaves every other page's navigation as it was.
Each searchable page's search document (see sitegen.search) is kept beside, written with the page's file.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reconciler.load.sources import BUILT_SITE_MARKER
from sitegen.pages.indexes import TITLES
from sitegen.pages.page import Page, PageJob
from sitegen.search import LANGUAGE, SOURCES, search_document, source_path
from sitegen.search.bundle import write_whole
from sitegen.site_config import SiteConfig
from sitegen.theme import OVERRIDES
from sitegen.urls import INDEXES, SEARCH

CONFIG_FILE = "mkdocs.yml"
FINGERPRINTS = "fingerprints.json"  # page file → the digest of what it showed when it was written
HOOKS = Path(__file__).with_name("hooks.py")
DOCS = "docs"


MARKER = BUILT_SITE_MARKER  # in an output folder: a site built here, which a full build may empty and refill


class OutputFolderError(Exception):
    """The output folder holds something else: a build, which empties it first, would delete it."""


def check_output_folder(out: Path) -> None:
    """Refuse a folder that is neither new, nor empty, nor a site built here before: MkDocs empties its output
    folder on a full build, and `--out .` must never delete a repository."""
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"{out} is not a folder")
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()):
        raise OutputFolderError(
            f"{out} is not empty and holds no site built by `portal site build`: a build empties its output "
            "folder first, so give a new or empty folder"
        )


def mark_output_folder(out: Path) -> None:
    (out / MARKER).write_text("built by portal site build: its next build empties and refills this folder\n")


@dataclass(frozen=True, slots=True)
class ProjectChange:
    written: tuple[str, ...]  # page files rewritten (docs-relative)
    removed: tuple[str, ...]  # page files of entities that are gone
    config_changed: bool
    rendered: int  # pages rendered (the others showed what they showed at the last build)
    searched: tuple[str, ...] = ()  # search documents rewritten (relative to the project's SOURCES)
    search_reshaped: bool = False  # search documents were added or deleted: not only rewritten


def _page_file(page: Page) -> str:
    # The title is ours (kind and name), dumped as a JSON string: YAML reads it back as the same string.
    return f"---\ntitle: {json.dumps(page.title)}\n---\n\n{page.body}"


def mkdocs_config(
    site: SiteConfig, out: Path, csp: str, base_url: str | None, terminal_csp: str | None = None
) -> dict[str, Any]:
    """`terminal_csp`: the policy of the terminal pages (with `--terminal-url`), which load the terminal view."""
    nav: list[Any] = [{"Home": "index.md"}]
    nav += [{TITLES[kind]: url.rstrip("/") + ".md"} for kind, url in INDEXES.items()]
    nav += [{entry.title: f"pages/{entry.page}"} for entry in site.nav]
    nav.append({"Search": SEARCH.rstrip("/") + ".md"})
    theme: dict[str, Any] = {"name": "material", "custom_dir": str(OVERRIDES), "font": False, "language": LANGUAGE}
    if site.palette:
        theme["palette"] = dict(site.palette)
    if site.logo_icon:
        theme["icon"] = {"logo": site.logo_icon}
    config: dict[str, Any] = {
        "site_name": site.site_name,
        "docs_dir": DOCS,
        "site_dir": str(out.resolve()),
        "use_directory_urls": True,
        "theme": theme,
        "plugins": [],
        "hooks": [str(HOOKS)],
        "markdown_extensions": [],
        "nav": nav,
        "extra": {"portal": {"csp": csp, "terminal_csp": terminal_csp}, "generator": False},
        "validation": {"nav": {"omitted_files": "ignore"}, "links": {"unrecognized_links": "ignore"}},
    }
    if base_url:
        config["site_url"] = base_url
    return config


def site_page(path: str, markdown_html: str, title: str) -> Page:
    """A page of the repo's own site/ folder, already sanitised, at pages/<path>."""
    return Page(
        "pages/" + path.removesuffix(".md") + "/",
        title,
        f'<div class="portal-page" data-pagefind-body>\n{markdown_html}\n</div>',
    )


def _write_search_document(sources: Path, page: Page, searched: list[str]) -> bool:
    """Write or delete the page's search document; True when one was added or deleted."""
    path = source_path(page.url)
    target = sources / path
    existed = target.exists()
    document = search_document(page)
    if document is None:
        target.unlink(missing_ok=True)
        return existed
    write_whole(target, document.encode())  # Pagefind may be reading the folder
    searched.append(path)
    return not existed


def write_project(project: Path, jobs: Iterable[PageJob], config: dict[str, Any]) -> ProjectChange:
    """Write the project: render the pages whose digest changed since the last build (and those without one),
    touch only the files whose text changed (and their search documents), delete pages that are gone."""
    docs = project / DOCS
    docs.mkdir(parents=True, exist_ok=True)
    before = {str(p.relative_to(docs)) for p in docs.rglob("*.md")}
    sources = project / SOURCES
    # A project kept by a version that wrote no search documents: render every page once to write them.
    all_sources = not sources.is_dir()
    sources.mkdir(exist_ok=True)
    digests_file = project / FINGERPRINTS
    try:
        previous: dict[str, str] = {} if all_sources else json.loads(digests_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    digests: dict[str, str] = {}
    wanted: set[str] = set()
    written: list[str] = []
    searched: list[str] = []
    reshaped = False
    rendered = 0
    for job in jobs:
        wanted.add(job.path)
        if job.fingerprint:
            digests[job.path] = job.fingerprint
            if previous.get(job.path) == job.fingerprint and job.path in before:
                continue
        page = job.render()
        rendered += 1
        target = docs / page.path
        text = _page_file(page)
        if page.path in before and target.read_text(encoding="utf-8") == text:
            if all_sources:
                reshaped |= _write_search_document(sources, page, searched)
            continue
        # The search document first: a build stopped between the two writes the page again next time.
        reshaped |= _write_search_document(sources, page, searched)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(page.path)
    removed = sorted(before - wanted)
    for path in removed:
        (docs / path).unlink()
        document = sources / source_path(path.removesuffix(".md") + "/")
        if document.exists():
            document.unlink()
            reshaped = True
    digests_file.write_text(json.dumps(digests, sort_keys=True), encoding="utf-8")
    config_text = yaml.safe_dump(config, sort_keys=True, allow_unicode=True)
    config_path = project / CONFIG_FILE
    config_changed = not config_path.exists() or config_path.read_text(encoding="utf-8") != config_text
    if config_changed:
        config_path.write_text(config_text, encoding="utf-8")
    return ProjectChange(tuple(sorted(written)), tuple(removed), config_changed, rendered, tuple(searched), reshaped)


@contextmanager
def _quiet_and_dated(epoch: int) -> Iterator[None]:
    """MkDocs dates the sitemap and gzip headers by SOURCE_DATE_EPOCH: the commit's time keeps output stable."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def run_mkdocs(project: Path, change: ProjectChange, out: Path, epoch: int) -> None:
    """Build the site into `out`: in full when the config changed or `out` is new, else a dirty build of the
    changed pages (with the outputs of removed pages deleted)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    full = change.config_changed or not (out / "index.html").exists()
    for path in change.removed:
        shutil.rmtree(out / path.removesuffix(".md"), ignore_errors=True)
    with _quiet_and_dated(epoch):
        config = load_config(str(project / CONFIG_FILE))
        build(config, dirty=not full)
