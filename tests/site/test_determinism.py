"""The same commit gives the same bytes, and a rebuild after one change rewrites only the pages it touches."""

from __future__ import annotations

import os
from pathlib import Path

from tests.gitrepo import commit
from tests.site.builders import TEMPLATE, build_site


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def template_files() -> dict[str, bytes]:
    return {str(p.relative_to(TEMPLATE)): p.read_bytes() for p in TEMPLATE.rglob("*") if p.is_file()}


def test_the_same_commit_builds_byte_identical_sites(tmp_path: Path, monkeypatch) -> None:
    repo = tmp_path / "repo"
    commit(repo, template_files())
    sites = []
    for n in (1, 2):
        monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / f"state{n}"))
        run = build_site(None, tmp_path / f"out{n}", "--repo", repo)
        assert run.code == 0, run.out + run.err
        sites.append(tree(tmp_path / f"out{n}"))
    assert len(sites[0]) > 50
    assert sites[0].keys() == sites[1].keys()
    assert [name for name in sites[0] if sites[0][name] != sites[1][name]] == []


def test_a_rebuild_after_one_change_rewrites_only_the_pages_it_touches(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    repo = tmp_path / "repo"
    files = template_files()
    commit(repo, files)
    out = tmp_path / "out"
    assert build_site(None, out, "--repo", repo).code == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("index.html")}
    workspace = files["workspaces/dana-notebooks.yaml"].decode()
    files["workspaces/dana-notebooks.yaml"] = workspace.replace("idleTimeout: 6h", "idleTimeout: 7h").encode()
    commit(repo, files)
    run = build_site(None, out, "--repo", repo)
    assert run.code == 0, run.out + run.err
    changed = sorted(str(p.relative_to(out).parent) for p, mtime in before.items() if p.stat().st_mtime_ns != mtime)
    # the workspace and the home page (which names the commit); its index shows nothing that changed
    assert changed == [".", "workspace/data/dana-notebooks"]
    assert "idleTimeout: 7h" in (out / "workspace/data/dana-notebooks/index.html").read_text()
    assert "(9 rendered, 2 rewritten;" in run.err  # home, search, 6 indexes and the workspace
    assert os.path.isdir(out / "pagefind")


def test_a_change_elsewhere_re_renders_every_page_that_shows_it(tmp_path: Path, monkeypatch) -> None:
    """Pages are rendered again when a document they are derived from changes, not only their own."""
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    repo = tmp_path / "repo"
    files = template_files()
    commit(repo, files)
    out = tmp_path / "out"
    assert build_site(None, out, "--repo", repo).code == 0
    artifact = out / "artifact/rds-postgres/index.html"
    assert "<td><code>minApprovers</code></td><td><code>1</code></td>" in artifact.read_text()
    files["policies/baseline.yaml"] = files["policies/baseline.yaml"].replace(b"minApprovers: 1", b"minApprovers: 2")
    files["artifacts/rds-postgres/README.md"] = b"# Moved\n"
    commit(repo, files)
    run = build_site(None, out, "--repo", repo)
    assert run.code == 0, run.out + run.err
    page = artifact.read_text()
    assert "<td><code>minApprovers</code></td><td><code>2</code></td>" in page  # the policy changed
    assert "<h1>Moved</h1>" in page  # the README changed
    assert (
        "<td><code>minApprovers</code></td><td><code>2</code></td>" in (out / "policy/baseline/index.html").read_text()
    )
