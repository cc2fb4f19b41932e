"""Search: Pagefind indexes the search documents kept beside the MkDocs project, alongside MkDocs, into an index
that is the one it would build from the built pages; the old index serves until the new one is swapped in, and a
failing Pagefind leaves the pages built, the old index serving and a clear message."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from pagefind_bin import get_executable

import sitegen.build
import sitegen.search.bundle
import sitegen.search.service
from sitegen.pages.page import Page
from sitegen.search import BUNDLE, SOURCES, search_document
from sitegen.search.bundle import update_bundle
from sitegen.search.service import PagefindService
from tests.bench.synthetic import workspace, write_repo
from tests.gitrepo import commit
from tests.site.builders import build_site, copy_template, plant_canaries
from tests.site.test_determinism import template_files, tree
from tests.site.test_site_config import repo_with_site

FRAGMENT_HEADER = b"pagefind_dcd"
WORKSPACE = "workspaces/dana-notebooks.yaml"


def indexed(bundle: Path) -> dict[str, dict[str, Any]]:
    """The index's pages by URL: their title and content, as a query's result shows them."""
    pages = {}
    for fragment in (bundle / "fragment").iterdir():
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(FRAGMENT_HEADER)
        page = json.loads(data[len(FRAGMENT_HEADER) :])
        pages[page["url"]] = page
    return pages


def project_of(state: Path) -> Path:
    (project,) = (state / "site").iterdir()
    return project


def assert_index_of_a_first_build(out: Path, tmp_path: Path, monkeypatch, *source: str | Path) -> None:
    """The index in `out` is byte for byte the one a first build of `source` (with a state dir of its own)
    writes."""
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "fresh-state"))
    assert build_site(None, tmp_path / "fresh", *source).code == 0
    assert tree(out / "pagefind") == tree(tmp_path / "fresh/pagefind")


def test_the_index_is_the_one_pagefind_builds_from_the_built_pages(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    repo = repo_with_site(
        tmp_path,
        "nav:\n  - Onboarding: guides/onboarding.md\n  - Q&A notes: guides/notes.md\n",
        {"guides/onboarding.md": "# Welcome\n\nStart here.\n", "guides/notes.md": "No heading & some notes.\n"},
    )
    plant_canaries(repo)  # markup from READMEs: images, links, escaped script
    out = tmp_path / "out"
    run = build_site(repo, out)
    assert run.code == 0, run.out + run.err
    reference = tmp_path / "reference"
    pagefind = [str(get_executable()), "--site", str(out), "--output-path", str(reference), "--quiet"]
    subprocess.run(pagefind, check=True, capture_output=True)
    assert tree(out / "pagefind") == tree(reference)
    pages = indexed(out / "pagefind")
    assert pages["/workspace/data/dana-notebooks/"]["meta"]["title"] == "Workspace data/dana-notebooks"
    assert pages["/pages/guides/onboarding/"]["meta"]["title"] == "Welcome"
    # a page without a heading of its own is titled as the theme heads it
    assert pages["/pages/guides/notes/"]["meta"]["title"] == "Q&A notes"
    assert "/" not in pages and "/workspaces/" not in pages and "/search/" not in pages


def test_a_search_document_is_the_body_with_the_heading_the_theme_adds() -> None:
    body = '<div class="portal-page" data-pagefind-body>\n<p>Notes &amp; more</p>\n</div>'
    document = search_document(Page("pages/notes/", "Q&A notes", body))
    assert document == (
        '<!DOCTYPE html>\n<html lang="en">\n<body>\n<h1>Q&amp;A notes</h1>\n' + body + "\n</body>\n</html>\n"
    )
    headed = body.replace("<p>", "<h1>Notes</h1><p>")
    assert search_document(Page("pages/notes/", "Q&A notes", headed)) == (
        '<!DOCTYPE html>\n<html lang="en">\n<body>\n' + headed + "\n</body>\n</html>\n"
    )
    assert search_document(Page("workspaces/", "Workspaces", "<div>every workspace</div>")) is None


def test_a_rebuild_indexes_the_change_and_drops_a_removed_page(tmp_path: Path, monkeypatch) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("PORTAL_STATE_DIR", str(state))
    repo, out = tmp_path / "repo", tmp_path / "out"
    files = template_files()
    commit(repo, files)
    assert build_site(None, out, "--repo", repo).code == 0
    before = indexed(out / "pagefind")
    assert "/workspace/data/dana-notebooks/" in before
    files["workspaces/alice-ledger.yaml"] += b"  repositories:\n    - url: https://github.com/acme/ledger-tools\n"
    del files[WORKSPACE]
    commit(repo, files)
    run = build_site(None, out, "--repo", repo)
    assert run.code == 0, run.out + run.err
    assert "search current" in run.err and "after the pages" in run.err
    after = indexed(out / "pagefind")
    assert set(before) - set(after) == {"/workspace/data/dana-notebooks/"}
    assert "https://github.com/acme/ledger-tools" in after["/workspace/payments/alice-ledger/"]["content"]
    assert not (project_of(state) / SOURCES / "workspace/data/dana-notebooks/index.html").exists()
    # updated in place, the index is the one a first build of the commit writes
    assert_index_of_a_first_build(out, tmp_path, monkeypatch, "--repo", repo)


def test_a_rebuild_indexes_again_only_the_pages_rendered_anew(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    repo, out = tmp_path / "repo", tmp_path / "out"
    files = template_files()
    commit(repo, files)
    assert build_site(None, out, "--repo", repo).code == 0
    files["workspaces/alice-ledger.yaml"] += b"  repositories:\n    - url: https://github.com/acme/ledger-tools\n"
    commit(repo, files)
    indexed_again: list[str] = []
    add_document = sitegen.search.add_document

    def recorded(service: PagefindService, index_id: int, url: str, html: str) -> None:
        indexed_again.append(url)
        add_document(service, index_id, url, html)

    monkeypatch.setattr(sitegen.search, "add_document", recorded)
    run = build_site(None, out, "--repo", repo)
    assert run.code == 0, run.out + run.err
    assert indexed_again == ["/workspace/payments/alice-ledger/"]
    page = indexed(out / "pagefind")["/workspace/payments/alice-ledger/"]
    assert "https://github.com/acme/ledger-tools" in page["content"]
    # the index is the one a first build of the commit writes
    assert_index_of_a_first_build(out, tmp_path, monkeypatch, "--repo", repo)


def test_a_rebuild_that_adds_a_page_indexes_as_a_first_build_does(tmp_path: Path, monkeypatch) -> None:
    """A page indexed after the others would be numbered after them: the whole folder is indexed again."""
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    repo, out = tmp_path / "repo", tmp_path / "out"
    counts = write_repo(repo, 300)
    assert build_site(repo, out).code == 0
    added = workspace(9999, counts["Team"], counts["Cluster"], counts["WorkspaceTemplate"])
    (repo / "workspaces/workspace-9999.yaml").write_text(added, encoding="utf-8")
    run = build_site(repo, out)
    assert run.code == 0, run.out + run.err
    assert "/workspace/team-9/ws-9999/" in indexed(out / "pagefind")
    assert_index_of_a_first_build(out, tmp_path, monkeypatch, repo)


def test_a_project_kept_without_search_documents_gets_them_all(tmp_path: Path, monkeypatch) -> None:
    """A project kept by an earlier version (or whose search documents were deleted) is not indexed half."""
    state = tmp_path / "state"
    monkeypatch.setenv("PORTAL_STATE_DIR", str(state))
    repo, out = tmp_path / "repo", tmp_path / "out"
    commit(repo, template_files())
    assert build_site(None, out, "--repo", repo).code == 0
    full = tree(out / "pagefind")
    shutil.rmtree(project_of(state) / SOURCES)
    run = build_site(None, out, "--repo", repo)
    assert run.code == 0, run.out + run.err
    assert tree(out / "pagefind") == full


def indexing() -> bool:
    return any(thread.name == BUNDLE and thread.is_alive() for thread in threading.enumerate())


def _failing_pagefind(tmp_path: Path) -> Path:
    script = tmp_path / "pagefind"
    script.write_text("#!/bin/sh\necho 'Error: the index cannot be written' >&2\nexit 3\n")
    script.chmod(0o755)
    return script


def _built_then_edited(
    tmp_path: Path, monkeypatch, old: bytes = b"idleTimeout: 6h", new: bytes = b"idleTimeout: 7h"
) -> tuple[Path, Path, dict[str, bytes]]:
    """A repo whose site is built, then a commit changing one workspace (`old` to `new`): the repo, the site and
    its index."""
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    repo, out = tmp_path / "repo", tmp_path / "out"
    files = template_files()
    commit(repo, files)
    assert build_site(None, out, "--repo", repo).code == 0
    old_index = tree(out / "pagefind")
    files[WORKSPACE] = files[WORKSPACE].replace(old, new)
    commit(repo, files)
    return repo, out, old_index


def test_a_failing_pagefind_leaves_the_pages_built_and_the_old_index_serving(tmp_path: Path, monkeypatch) -> None:
    repo, out, old_index = _built_then_edited(tmp_path, monkeypatch)
    monkeypatch.setattr(sitegen.search.service, "get_executable", lambda: _failing_pagefind(tmp_path))
    run = build_site(None, out, "--repo", repo)
    assert run.code == 2
    assert run.err.strip() == (
        f"portal: error: the pages of {out} are built, but not their search index: "
        "Pagefind stopped (exit 3): Error: the index cannot be written"
    )
    assert "idleTimeout: 7h" in (out / "workspace/data/dana-notebooks/index.html").read_text()
    assert tree(out / "pagefind") == old_index


def test_a_missing_pagefind_is_reported_not_raised(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    repo = copy_template(tmp_path / "repo")
    missing = tmp_path / "no-such-pagefind"
    monkeypatch.setattr(sitegen.search.service, "get_executable", lambda: missing)
    run = build_site(repo, tmp_path / "out")
    assert run.code == 2
    assert run.err.strip() == (
        f"portal: error: the pages of {tmp_path / 'out'} are built, but not their search index: "
        f"cannot run Pagefind: {missing} is not an executable file"
    )
    assert (tmp_path / "out/workspace/data/dana-notebooks/index.html").is_file()


def test_a_failed_build_stops_pagefind_and_keeps_the_old_index(tmp_path: Path, monkeypatch) -> None:
    repo, out, old_index = _built_then_edited(tmp_path, monkeypatch)

    def failing_mkdocs(*_: object) -> None:
        assert indexing(), "Pagefind indexes alongside MkDocs"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sitegen.build, "run_mkdocs", failing_mkdocs)
    run = build_site(None, out, "--repo", repo)
    assert run.code == 2
    assert run.err.strip() == f"portal: error: cannot write to {out}: No space left on device"
    assert not indexing()  # stopped, not left to run on
    assert tree(out / "pagefind") == old_index


@pytest.mark.parametrize("before", ["nothing", "the template"])
def test_a_catalog_with_nothing_searchable_has_no_index(tmp_path: Path, monkeypatch, before: str) -> None:
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    repo, out = tmp_path / "repo", tmp_path / "out"
    if before == "the template":
        commit(repo, template_files())
        assert build_site(None, out, "--repo", repo).code == 0
        assert (out / "pagefind/pagefind.js").is_file()
    commit(repo, {"README.md": b"# Nothing yet\n"})
    run = build_site(None, out, "--repo", repo)
    assert run.code == 0, run.out + run.err
    assert (out / "search/index.html").is_file()
    assert not (out / "pagefind").exists()


def test_the_old_index_serves_until_the_entry_switches_to_the_new(tmp_path: Path, monkeypatch) -> None:
    bundle = tmp_path / "pagefind"
    old = {
        "pagefind-entry.json": b'{"meta": "aa"}',
        "pagefind.js": b"runtime",
        "pagefind.en_aa.pf_meta": b"old metadata",
        "fragment/en_01.pf_fragment": b"a page that stays",
        "fragment/en_02.pf_fragment": b"a page that changes",
    }
    update_bundle(bundle, old)
    assert tree(bundle) == old
    kept = (bundle / "fragment/en_01.pf_fragment").stat().st_mtime_ns
    new = {
        "pagefind-entry.json": b'{"meta": "bb"}',
        "pagefind.js": b"runtime",
        "pagefind.en_bb.pf_meta": b"new metadata",
        "fragment/en_01.pf_fragment": b"a page that stays",
        "fragment/en_03.pf_fragment": b"the page changed",
    }
    at_switch = []
    replace = sitegen.search.bundle.write_whole

    def watched(target: Path, data: bytes) -> None:
        if target.name == "pagefind-entry.json":
            at_switch.append(tree(bundle))
        replace(target, data)

    monkeypatch.setattr(sitegen.search.bundle, "write_whole", watched)
    update_bundle(bundle, new)
    # when the entry switches, both indexes are whole, and until then the old entry is read
    assert at_switch == [{**old, **new, "pagefind-entry.json": old["pagefind-entry.json"]}]
    assert tree(bundle) == new
    assert (bundle / "fragment/en_01.pf_fragment").stat().st_mtime_ns == kept  # not written again


def test_a_commit_with_errors_stops_the_indexing_begun_as_it_was_read(tmp_path: Path, monkeypatch) -> None:
    repo, out, old_index = _built_then_edited(tmp_path, monkeypatch, b"owner: dana@acme.dev", b"owner: nobody@acme.dev")
    run = build_site(None, out, "--repo", repo)
    assert run.code == 1, run.out + run.err
    assert "nothing written" in run.err
    assert not indexing()
    assert tree(out / "pagefind") == old_index
