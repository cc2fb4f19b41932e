"""The state dir has one owner and one default: per user, keyed by the repository worked on, never inside the
tree being judged unless given explicitly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.state_dir import StateDir, StateDirError, resolve_state_dir
from tests.conftest import run_portal_in_process, write_files
from tests.foundation.repos import valid_repo
from tests.gitrepo import commit


def test_the_layout_has_one_owner(tmp_path: Path) -> None:
    state = StateDir(tmp_path)
    assert (state.cache, state.git, state.pg, state.export) == tuple(
        tmp_path / n for n in ("cache", "git", "pg", "export")
    )


def test_explicit_then_environment_then_xdg_then_home(tmp_path: Path) -> None:
    repo = tmp_path / "work" / "platform"
    repo.mkdir(parents=True)
    home = {"HOME": str(tmp_path / "home")}
    explicit = resolve_state_dir(tmp_path / "given", None, str(repo), {**home, "PORTAL_STATE_DIR": "/elsewhere"})
    assert explicit.root == tmp_path / "given"
    assert resolve_state_dir(None, None, str(repo), {**home, "PORTAL_STATE_DIR": "/elsewhere"}).root == Path(
        "/elsewhere"
    )
    xdg = resolve_state_dir(None, None, str(repo), {**home, "XDG_STATE_HOME": str(tmp_path / "xdg")}).root
    assert xdg.parent == tmp_path / "xdg" / "portal" and xdg.name.startswith("platform-")
    default = resolve_state_dir(None, None, str(repo), home).root
    assert default.parent == tmp_path / "home/.local/state/portal" and default.name == xdg.name


def test_the_default_is_keyed_by_the_repository_not_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "platform"
    repo.mkdir()
    environ = {"HOME": str(tmp_path / "home")}
    monkeypatch.chdir(repo)
    from_inside = resolve_state_dir(None, None, ".", environ)
    monkeypatch.chdir(tmp_path)
    assert resolve_state_dir(None, None, "platform", environ) == from_inside
    (tmp_path / "link").symlink_to(repo)
    assert resolve_state_dir(None, None, "link", environ) == from_inside  # its real path
    assert resolve_state_dir(None, str(repo), None, environ) == from_inside
    other = tmp_path / "other" / "platform"
    other.mkdir(parents=True)
    assert resolve_state_dir(None, None, str(other), environ) != from_inside  # same name, another repository


def test_a_url_keys_the_state_dir_without_its_password(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path / "home")}
    secret = resolve_state_dir(None, "https://bot:s3cr3t@git.example/acme/platform.git", None, environ)
    other = resolve_state_dir(None, "https://bot:0ther@git.example/acme/platform.git", None, environ)
    assert secret == other and "s3cr3t" not in str(secret.root)
    assert secret.root.name.startswith("platform-")


def test_a_default_inside_the_judged_tree_is_refused_an_explicit_one_is_used(tmp_path: Path) -> None:
    """A pull request could commit a poisoned cache into the tree: the default never reads from there."""
    repo = tmp_path / "platform"
    repo.mkdir()
    environ = {"HOME": str(repo)}  # the home directory is the tree being judged
    with pytest.raises(StateDirError, match="inside the tree being judged"):
        resolve_state_dir(None, None, str(repo), environ)
    assert resolve_state_dir(repo / ".portal", None, str(repo), environ).root == repo / ".portal"
    assert resolve_state_dir(None, None, str(repo), {**environ, "PORTAL_STATE_DIR": str(repo / ".s")}).root == (
        repo / ".s"
    )
    run = run_portal_in_process("validate", repo, "--state-dir", repo / ".portal")
    assert run.code == 0 and "inside the tree" not in run.err


def test_validate_from_two_directories_shares_one_state_dir_outside_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_files(tmp_path / "platform", valid_repo())
    monkeypatch.delenv("PORTAL_STATE_DIR", raising=False)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(repo)
    assert run_portal_in_process("validate").code == 0
    monkeypatch.chdir(tmp_path)
    assert run_portal_in_process("validate", "platform").code == 0
    (state,) = (tmp_path / "home/.local/state/portal").iterdir()
    assert (state / "cache").is_dir()
    assert not (repo / ".portal").exists() and not (tmp_path / ".portal").exists()


def test_a_default_inside_the_tree_is_a_usage_error_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_files(tmp_path / "platform", valid_repo())
    monkeypatch.delenv("PORTAL_STATE_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(repo / ".state"))
    run = run_portal_in_process("validate", repo)
    assert run.code == 2 and "inside the tree being judged" in run.err and "--state-dir" in run.err
    assert not (repo / ".state").exists()


def test_a_git_repo_read_with_repo_has_its_mirror_and_cache_in_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(tmp_path / "platform", valid_repo(), "initial")
    environ = {k: v for k, v in os.environ.items() if k != "PORTAL_STATE_DIR"} | {
        "XDG_STATE_HOME": str(tmp_path / "xdg")
    }
    run = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", "--repo", "platform"], cwd=tmp_path, env=environ, check=False
    )
    assert run.returncode == 0
    (state,) = (tmp_path / "xdg/portal").iterdir()
    assert state.name.startswith("platform-") and (state / "cache").is_dir()
