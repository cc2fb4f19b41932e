"""[site] `portal site build` of a 10,000-entity repo: cold (with the split render / MkDocs / Pagefind), after
one entity changes, the first query's search payload in Chromium, peak RSS.

A rebuild rewrites only the page files whose text changed (the MkDocs project is kept in the state dir) and runs
MkDocs' dirty build, which renders only the pages whose file is newer than their output. Pagefind, which has no
incremental mode, builds its whole index again, but from the search documents kept beside the project (the pages'
bodies, not the built site with the theme's navigation and the big index pages): it indexes the kept ones while the
commit is read and the pages are rendered, then again the one rendered anew, and builds the index while MkDocs runs;
of its index only the files that changed are written, and its entry file is replaced last, the old index serving
until then.
"Pages current" is the build's time less the wait for search after the pages; "search current" is the whole build.

Peer: plain `mkdocs build` (Material, MkDocs' default nav listing every page) of the same generated pages at
1,000 entities, against ours at 1,000.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from tests.bench.measure import Measurement, run_process
from tests.bench.synthetic import write_repo

ENTITIES = 10_000
PEER_ENTITIES = 1_000
CHANGED = ("workspaces/workspace-11.yaml", "idleTimeout: 4h", "idleTimeout: 6h")
COLD_TARGET, CHANGE_TARGET, SEARCH_TARGET, PAYLOAD_TARGET_KB = 40.0, 3.0, 8.0, 300
SPLIT = re.compile(r"\((\d+) rendered, (\d+) rewritten; (.*?)(?:; search current ([\d.]+) s after the pages)?\)")


def _build(repo: Path, out: Path, state: Path) -> Measurement:
    command = [sys.executable, "-m", "reconciler", "site", "build", str(repo), "--out", str(out)]
    measured = run_process([*command, "--state-dir", str(state)], keep_stderr=True)
    assert measured.returncode == 0, measured.stderr[-2000:]
    return measured


def _split(measured: Measurement) -> tuple[int, int, dict[str, float], float]:
    """Pages rendered, page files rewritten, seconds per step (Pagefind's overlapping MkDocs and the files), and
    the seconds from the pages being current to the search index being current."""
    match = SPLIT.search(measured.stderr)
    assert match and match.group(4), measured.stderr[-500:]
    steps = {step: float(seconds) for step, seconds in re.findall(r"(\w+) ([\d.]+) s", match.group(3))}
    return int(match.group(1)), int(match.group(2)), steps, float(match.group(4))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def first_query_payload(site: Path, query: str, expected: str) -> tuple[int, bool]:
    """Bytes the search page loads from /pagefind/ for its first query in Chromium, and whether a result links
    to `expected`."""
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    loaded: dict[str, int] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page()
            page.on(
                "requestfinished",
                lambda request: (
                    loaded.__setitem__(request.url, request.sizes()["responseBodySize"])
                    if "/pagefind/" in request.url
                    else None
                ),
            )
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/search/", wait_until="networkidle")
            page.locator("#search-input").fill(query)
            results = page.locator("#search-results a")
            results.first.wait_for(timeout=30_000)
            page.wait_for_load_state("networkidle")
            hit = any(expected in (link.get_attribute("href") or "") for link in results.all())
            browser.close()
    finally:
        server.shutdown()
    return sum(loaded.values()), hit


def _peer(project: Path, root: Path) -> Measurement:
    """Plain MkDocs on our generated pages: Material, no plugins of ours, the default nav of every page."""
    docs = root / "peer/docs"
    shutil.copytree(project / "docs", docs)
    config = {"site_name": "Peer", "theme": {"name": "material"}, "plugins": [], "site_dir": str(root / "peer/site")}
    (root / "peer/mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    return run_process([str(mkdocs), "build", "-q", "-f", str(root / "peer/mkdocs.yml")])


def run() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="portal-bench-site-") as tmp:
        root = Path(tmp)
        repo, out, state = root / "repo", root / "out", root / "state"
        write_repo(repo, ENTITIES)
        time.sleep(2.1)  # a repo at rest (see foundation.py)
        cold = _build(repo, out, state)
        pages, _, steps, lag = _split(cold)
        split = ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
        yield (
            f"cold build, {ENTITIES} entities, {pages} pages: {cold.seconds:.1f} s ({split}, pagefind alongside "
            f"mkdocs and files, search current {lag:.1f} s after the pages); peak RSS {cold.peak_rss_mib:.0f} MiB "
            f"(target ≤ {COLD_TARGET:.0f} s)"
        )
        path, old, new = CHANGED
        changed_file = repo / path
        changed_file.write_text(changed_file.read_text().replace(old, new), encoding="utf-8")
        time.sleep(2.1)
        warm = _build(repo, out, state)
        rendered, rewritten, steps, lag = _split(warm)
        pages_ready = warm.seconds - lag
        yield (
            f"one workspace changed: {rendered} page(s) rendered, {rewritten} rewritten, "
            f"pages current after {pages_ready:.1f} s "
            f"(target ≤ {CHANGE_TARGET:.0f} s), search current after {warm.seconds:.1f} s (target ≤ "
            f"{SEARCH_TARGET:.0f} s; render {steps['render']:.1f} s, mkdocs {steps['mkdocs']:.1f} s, "
            f"files {steps['files']:.1f} s; pagefind {steps['pagefind']:.1f} s, begun as the commit was read, beside "
            f"them, then {lag:.1f} s after the pages); peak RSS {warm.peak_rss_mib:.0f} MiB"
        )
        payload, hit = first_query_payload(out, "ws-11", "workspace/team-11/ws-11/")
        yield (
            f"first query's search payload: {payload / 1024:.0f} kB (target ≤ {PAYLOAD_TARGET_KB} kB); "
            f"{'found' if hit else 'did not find'} the workspace"
        )
        small, small_out, small_state = root / "small", root / "small-out", root / "small-state"
        write_repo(small, PEER_ENTITIES)
        time.sleep(2.1)
        ours = _build(small, small_out, small_state)
        project = next((small_state / "site").iterdir())
        peer = _peer(project, root)
        ratio = peer.seconds / ours.seconds
        yield (
            f"{PEER_ENTITIES} entities: ours {ours.seconds:.1f} s (search included), plain mkdocs build with its "
            f"default nav {peer.seconds:.1f} s (exit {peer.returncode}); ratio peer/ours {ratio:.1f}"
        )
