"""Recent changes on the home page: registry events as the documents date them, and workspaces git history added."""

from __future__ import annotations

from pathlib import Path

from sitegen.history import history_source
from tests.conftest import write_files
from tests.gitrepo import commit
from tests.site.builders import build_site
from tests.site.test_determinism import template_files
from tests.site.test_pages import content


def test_recent_changes_list_added_workspaces_and_registry_events_newest_first(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    repo = tmp_path / "repo"
    files = template_files()
    later = {"workspaces/dana-notebooks.yaml": files.pop("workspaces/dana-notebooks.yaml")}
    commit(repo, files)
    commit(repo, files | later, message="Add dana's notebooks")
    out = tmp_path / "out"
    run = build_site(None, out, "--repo", repo)
    assert run.code == 0, run.out + run.err
    home = content(out, "")
    changes = home[home.index('<ul class="portal-changes">') :]
    assert '<a href="workspace/data/dana-notebooks/">workspace data/dana-notebooks added</a>' in changes
    times = [line.split('datetime="')[1][:20] for line in changes.split("<li>")[1:]]
    assert times == sorted(times, reverse=True)
    assert all(t.endswith("Z") for t in times)
    assert "pod-security 1.1.0 rejected by marco@acme.dev" in changes


def test_a_folder_inside_a_larger_repository_reads_no_history(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    outer = tmp_path / "outer"
    tree = {f"platform/{path}": data for path, data in template_files().items()}
    write_files(outer, tree)
    commit(outer, tree)
    assert history_source(str(outer / "platform"), None) == (None, None)
    assert history_source(str(outer), None)[1] is not None
    assert history_source("https://git.example/platform.git", "abc") == (None, None)
    out = tmp_path / "out"
    run = build_site(outer / "platform", out)
    assert run.code == 0, run.out + run.err
