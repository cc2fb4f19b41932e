"""`portal site`: the static catalog of a commit (sitegen), built once or served and rebuilt on change.
With `reconciler.cli.site_writer` (the build, shared with `portal daemon --site-out`) and `reconciler.cli.terminal`
(the sidecar), the only modules of `reconciler` that import `sitegen`.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.cli import COMMANDS
from reconciler.cli.options import (
    UsageError,
    add_database_argument,
    add_source_arguments,
    source_settings,
    state_dir,
)
from reconciler.cli.site_writer import check_site_out, site_options, site_status, start_indexing, write_site
from reconciler.cli.source import load_repository
from reconciler.db import DATABASE_URL_VARIABLE

if TYPE_CHECKING:
    from reconciler.settings import SourceSettings
    from reconciler.state_dir import StateDir
    from sitegen.build import BuildReport


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "site",
        help=COMMANDS["site"],
        description=(
            "Render a commit as a static site: a page per entity, an index per kind with filters, search that "
            "runs in the browser (Pagefind), built with MkDocs and Material; beside the pages the JSON API (api/), "
            "Terraform's and Helm's registry files, feed.xml and, with --base-url, sitemap.xml. The repo's site/ "
            "folder may set site_name, theme.palette, theme.icon.logo and nav pages (site/mkdocs.yml); nothing else "
            "of it is read. "
            "Exit status: 0 built, 1 the commit has errors or its site/ configuration is refused (nothing "
            "written), 2 usage error."
        ),
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="build the site into --out", description="Build the site into --out.")
    add_source_arguments(build)
    build.add_argument(
        "--out",
        "-o",
        type=Path,
        required=True,
        metavar="DIR",
        help="where to write the site: a new or empty folder, or an earlier site (a full build empties it)",
    )
    _add_site_arguments(build)
    build.set_defaults(func=run_build)
    serve = actions.add_parser(
        "serve",
        help="serve the site of a working tree on 127.0.0.1 and rebuild it on change",
        description="Build the site of a working tree, serve it on 127.0.0.1 and rebuild the changed pages "
        "whenever a file changes (search catches up a few seconds later).",
    )
    add_source_arguments(serve)
    serve.add_argument("--port", type=int, default=8000, help="the port on 127.0.0.1 (default: 8000)")
    serve.add_argument("--out", "-o", type=Path, metavar="DIR", help="where to build (default: in the state dir)")
    _add_site_arguments(serve)
    serve.set_defaults(func=run_serve)


def _add_site_arguments(parser: argparse.ArgumentParser) -> None:
    add_database_argument(
        parser,
        f"show the last reconcile per cluster and pipeline versions from this PostgreSQL metadata store (default: "
        f"${DATABASE_URL_VARIABLE}; without either, no database is read)",
    )
    parser.add_argument(
        "--terminal-url",
        metavar="URL",
        help="the terminal sidecar: workspaces get an Open terminal link, and pages may connect to its origin",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="the absolute http(s) URL the site is served from: absolute links, sitemap.xml (written only with it) "
        "and the Atom feed's links",
    )


def _progress(step: str) -> None:
    sys.stderr.write(f"\r\x1b[K{step}")  # one status line, rewritten in place
    sys.stderr.flush()


def build_once(args: argparse.Namespace, source: SourceSettings, state: StateDir, out: Path) -> BuildReport | None:
    """Validate and build; None (with the findings printed) when the commit or its site/ is refused."""
    from reconciler.build import build
    from sitegen.search import SearchIndexError
    from sitegen.site_config import read_site_config

    options = site_options(args.terminal_url, args.base_url)
    check_site_out(out)
    indexing = start_indexing(state, out)  # the search documents kept from the last build, as the commit is read
    try:
        validation = load_repository(source, state)
        config, refused = read_site_config(validation.source.read_text)
        findings = [*validation.diagnostics, *refused]
        for diagnostic in findings:
            print(diagnostic.format())
        if validation.errors or refused:
            print(f"{len(validation.errors) + len(refused)} error(s): nothing written", file=sys.stderr)
            indexing.cancel()
            return None
        url = args.database_url or os.environ.get(DATABASE_URL_VARIABLE)
        status = site_status(url, state) if url else None
        location = source.repo or source.path or "."
        compiled = build(validation)
    except BaseException:
        indexing.cancel()
        raise
    try:
        progress = _progress if sys.stderr.isatty() else None
        report = write_site(compiled, config, options, status, location, state, out, indexing, progress)
    except OSError as exc:
        raise UsageError(f"cannot write to {out}: {exc.strerror or exc}") from exc
    except SearchIndexError as exc:
        raise UsageError(f"the pages of {out} are built, but not their search index: {exc}") from None
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")
    for diagnostic in report.warnings:
        print(diagnostic.format())
    split = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in report.seconds.items())
    print(
        f"built {report.pages} pages into {out} ({report.change.rendered} rendered, {len(report.change.written)} "
        f"rewritten; {split}; search current {report.search_lag:.1f} s after the pages)",
        file=sys.stderr,
    )
    return report


def run_build(args: argparse.Namespace) -> int:
    return 0 if build_once(args, source_settings(args), state_dir(args), args.out) else 1


def run_serve(args: argparse.Namespace) -> int:
    import watchfiles

    source = source_settings(args)
    if source.repo:
        raise UsageError("serve watches a working tree: give PATH, not --repo")
    state = state_dir(args)
    out = args.out or state.root / "site-serve"
    build_once(args, source, state, out)
    handler = partial(SimpleHTTPRequestHandler, directory=str(out))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}") from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"serving {out} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)", file=sys.stderr)
    root = Path(source.path or ".")
    # Its own output and state, when they lie inside the watched tree, would rebuild it forever.
    own = (str(out.resolve()), str(state.root.resolve()))
    try:
        for _changes in watchfiles.watch(root, watch_filter=lambda _change, path: not path.startswith(own)):
            build_once(args, source, state, out)
    finally:
        server.shutdown()
    return 0
