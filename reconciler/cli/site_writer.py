"""A commit's site written into a folder: shared by `portal site` and by `portal daemon --site-out`, which runs
`daemon_site_builder` after each applied commit (handed to the daemon by its command, so that nothing under
`reconciler/daemon/` imports `sitegen`)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.cli.options import UsageError

if TYPE_CHECKING:
    from reconciler.build import Build
    from reconciler.daemon.site_hook import SiteBuilder
    from reconciler.settings import Settings
    from reconciler.state_dir import StateDir
    from sitegen.build import BuildReport, Progress
    from sitegen.pages.inputs import SiteOptions
    from sitegen.search import Indexing
    from sitegen.site_config import SiteConfig
    from sitegen.status import StatusSnapshot


def site_status(url: str | None, state: StateDir) -> StatusSnapshot:
    """The last reconcile per cluster and the pipeline versions, from the named (or else the embedded) database."""
    from reconciler.cli.database import read_database
    from sitegen.status import read_status

    return read_database(url, state, read_status)


def _project_dir(state: StateDir, out: Path) -> Path:
    """The MkDocs project kept for `out` between builds, so a rebuild rewrites only what changed."""
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return state.root / "site" / key


def start_indexing(state: StateDir, out: Path) -> Indexing:
    """Pagefind started on the search documents of `out`'s project, to be handed to `write_site` (which cancels
    it when it fails; a caller that does not call it cancels it itself)."""
    from sitegen.search import SOURCES, Indexing

    return Indexing(_project_dir(state, out) / SOURCES, out)


def write_site(
    compiled: Build,
    config: SiteConfig,
    options: SiteOptions,
    status: StatusSnapshot | None,
    location: str,
    state: StateDir,
    out: Path,
    indexing: Indexing | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """The site of a compiled commit, with its recent changes read from the history at `location` (when local)."""
    from sitegen.build import build_site, site_inputs
    from sitegen.history import added_workspaces, history_source, recent_changes, registry_changes

    try:
        site = site_inputs(compiled, options, status=status)
        changes = list(registry_changes(site.states))
        git_dir, commit = history_source(location, compiled.validation.source.commit)
        if git_dir and commit:
            changes += added_workspaces(git_dir, commit, site.model)
        site = site_inputs(compiled, options, recent_changes(changes), status)
    except BaseException:
        if indexing:
            indexing.cancel()
        raise
    committed = compiled.validation.source.committed_at
    return build_site(
        site,
        config,
        out,
        _project_dir(state, out),
        epoch=int(committed.timestamp()) if committed else 0,
        indexing=indexing,
        progress=progress,
    )


def site_options(terminal_url: str | None, base_url: str | None) -> SiteOptions:
    """The site's options from `--terminal-url` and `--base-url`, or a UsageError saying which is wrong."""
    from sitegen.pages.inputs import SiteOptions
    from sitegen.safety.csp import terminal_origin
    from sitegen.sitemap import absolute_base

    if base_url:
        try:
            absolute_base(base_url)
        except ValueError as exc:
            raise UsageError(f"--base-url: {exc}") from None
    if terminal_url:
        try:
            terminal_origin(terminal_url)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return SiteOptions(terminal_url, base_url)


def check_site_out(out: Path) -> None:
    """UsageError for an output folder a build would refuse (its check, asked before anything runs)."""
    from sitegen.mkdocs_project import OutputFolderError, check_output_folder

    try:
        check_output_folder(out)
    except OutputFolderError as exc:
        raise UsageError(str(exc)) from None


def daemon_site_builder(options: SiteOptions) -> SiteBuilder:
    """What `portal daemon --site-out` runs after each applied commit: the site of its build, with the status of the
    database the daemon records to (when it records). A refused site/ configuration fails the build, reported."""

    def build(compiled: Build, settings: Settings, out: Path) -> None:
        from sitegen.site_config import read_site_config

        config, refused = read_site_config(compiled.validation.source.read_text)
        if refused:
            raise ValueError("; ".join(diagnostic.format() for diagnostic in refused))
        state = settings.state_dir
        status = site_status(settings.database.url, state) if settings.database.enabled else None
        write_site(compiled, config, options, status, settings.source.repo or settings.source.path or ".", state, out)

    return build
