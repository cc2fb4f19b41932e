"""A site from a validated commit: pages rendered, the MkDocs project updated, MkDocs run, the machine-readable
files written beside the pages, search indexed (by Pagefind alongside MkDocs, from the project's search documents).

The steps are timed apart so that a slow build says which step is slow.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from reconciler.build import Build
from reconciler.keeper.state import derive
from reconciler.model.diagnostics import Diagnostic
from sitegen.history import Change
from sitegen.mkdocs_project import (
    ProjectChange,
    check_output_folder,
    mark_output_folder,
    mkdocs_config,
    run_mkdocs,
    site_page,
    write_project,
)
from sitegen.outputs import machine_files, write_machine_files
from sitegen.pages import site_pages
from sitegen.pages.inputs import SiteInputs, SiteOptions
from sitegen.pages.page import PageJob
from sitegen.safety.csp import content_security_policy, terminal_view_policy
from sitegen.safety.markdown import render_markdown
from sitegen.safety.secrets import scrub_text
from sitegen.search import SOURCES, Indexing
from sitegen.site_config import SiteConfig
from sitegen.status import StatusSnapshot
from sitegen.terminal.assets import SITE_PATH, copy_assets

Progress = Callable[[str], None]  # told what the build is doing, a line at a time (rewritten on a terminal)


@dataclass
class BuildReport:
    pages: int
    change: ProjectChange
    seconds: dict[str, float] = field(default_factory=dict)  # per step; Pagefind runs beside the others
    warnings: tuple[Diagnostic, ...] = ()  # from the machine-readable files: versions they leave out, and why
    search_lag: float = 0.0  # from the pages being current to the new search index serving


def site_inputs(
    build: Build, options: SiteOptions, history: tuple[Change, ...] = (), status: StatusSnapshot | None = None
) -> SiteInputs:
    return SiteInputs(build, derive(build.model), options, history, status)


def all_pages(site: SiteInputs, config: SiteConfig) -> Iterator[PageJob]:
    yield from site_pages(site, config.site_name)
    for entry in config.nav:
        page = partial(site_page, entry.page, render_markdown(scrub_text(config.pages[entry.page])), entry.title)
        yield PageJob(page().url, "", page)


def _counted(jobs: Iterator[PageJob], progress: Progress | None, urls: list[str]) -> Iterator[PageJob]:
    for count, job in enumerate(jobs, 1):
        if progress and count % 100 == 0:
            progress(f"rendering pages: {count}")
        urls.append(job.url)
        yield job


def build_site(
    site: SiteInputs,
    config: SiteConfig,
    out: Path,
    project: Path,
    *,
    epoch: int = 0,
    indexing: Indexing | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Render, write what changed, build with MkDocs into `out`, write the machine-readable files, and index the
    pages for search (Pagefind runs beside the build: `indexing`, when it was started beforehand on the project's
    search documents, as the commit was validated). ValueError (before anything is written to `out`) for a base URL
    that is not absolute; SearchIndexError, with the pages built and the old index kept, when Pagefind fails."""
    if indexing is None:
        indexing = Indexing(project / SOURCES, out)
    seconds: dict[str, float] = {}
    try:
        check_output_folder(out)
        start = time.perf_counter()
        terminal_url = site.options.terminal_url
        csp = content_security_policy(terminal_url)
        terminal_csp = terminal_view_policy(terminal_url) if terminal_url else None
        urls: list[str] = []
        jobs = _counted(all_pages(site, config), progress, urls)
        change = write_project(project, jobs, mkdocs_config(config, out, csp, site.options.base_url, terminal_csp))
        indexing.rendered(change.searched, change.search_reshaped)
        pages = len(urls)
        seconds["render"] = time.perf_counter() - start
        start = time.perf_counter()
        produced = machine_files(site, urls)  # before MkDocs: a bad base URL stops the build with `out` untouched
        files_seconds = time.perf_counter() - start
        start = time.perf_counter()
        if progress:
            progress(f"building {len(change.written)} changed page(s) of {pages} with MkDocs")
        run_mkdocs(project, change, out, epoch)
        mark_output_folder(out)
        seconds["mkdocs"] = time.perf_counter() - start
        start = time.perf_counter()
        write_machine_files(out, project, produced)
        if terminal_url:
            copy_assets(out / SITE_PATH)
        seconds["files"] = files_seconds + time.perf_counter() - start
    except BaseException:
        indexing.cancel()
        raise
    if progress:
        progress("indexing for search with Pagefind")
    start = time.perf_counter()
    indexing.finish()
    seconds["pagefind"] = indexing.seconds
    return BuildReport(pages, change, seconds, produced.warnings, time.perf_counter() - start)
