"""Which files are documents, read from a working tree or straight from a git commit."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import write_files
from tests.foundation.repos import TEAM, valid_repo
from tests.gitrepo import commit


def test_dot_paths_and_portalignore_are_skipped(tmp_path: Path, portal) -> None:
    broken = "::: not yaml"
    write_files(
        tmp_path,
        valid_repo()
        | {
            ".github/workflows/ci.yaml": broken,
            ".pre-commit-config.yaml": broken,
            "teams/.hidden.yaml": broken,
            "drafts/wip.yaml": broken,
            "notes/readme.txt": broken,
            ".portalignore": "drafts/\n*.draft.yml\n",
            "teams/x.draft.yml": broken,
        },
    )
    result = portal("validate", tmp_path)
    assert result.code == 0, result.out
    assert "4 document(s) from 4 file(s)" in result.err


def test_symlinks_are_refused_in_a_working_tree(tmp_path: Path, portal) -> None:
    write_files(tmp_path, valid_repo())
    os.symlink(tmp_path / "teams/payments.yaml", tmp_path / "teams/link.yaml")
    result = portal("validate", tmp_path)
    assert result.lines == ["teams/link.yaml:1:1: error: symbolic links are not followed; commit the file itself"]
    assert result.code == 1


def test_reads_a_commit_without_a_checkout(tmp_path: Path, portal) -> None:
    repo = tmp_path / "repo"
    first = commit(repo, valid_repo())
    commit(repo, valid_repo() | {"teams/broken.yaml": "a: [1\n"})
    head = portal("validate", "--repo", repo, "--ref", "HEAD")
    assert head.code == 1
    assert head.lines[0].startswith("teams/broken.yaml:2:1: error: invalid YAML")
    older = portal("validate", "--repo", repo, "--ref", first)
    assert older.code == 0, older.out
    assert f"({first[:12]})" in older.err
    assert not (repo / "teams").exists()  # nothing was checked out


def test_symlinks_are_refused_in_a_commit(tmp_path: Path, portal) -> None:
    repo = tmp_path / "repo"
    commit(repo, valid_repo() | {"teams/link.yaml": ("link", "payments.yaml")})
    result = portal("validate", "--repo", repo)
    assert result.lines == ["teams/link.yaml:1:1: error: symbolic links are not followed; commit the file itself"]


def test_portalignore_in_a_commit(tmp_path: Path, portal) -> None:
    repo = tmp_path / "repo"
    commit(repo, valid_repo() | {".portalignore": "drafts/\n", "drafts/x.yaml": "a: [", ".github/ci.yml": "a: ["})
    assert portal("validate", "--repo", repo).code == 0


def test_environment_errors_exit_2(tmp_path: Path, portal) -> None:
    missing = portal("validate", tmp_path / "nowhere")
    assert (missing.code, missing.out) == (2, "")
    assert missing.err == f"portal: error: {tmp_path / 'nowhere'}: not a directory\n"
    not_a_repo = portal("validate", "--repo", tmp_path)
    assert not_a_repo.code == 2
    assert "not a git repository" in not_a_repo.err
    repo = tmp_path / "repo"
    commit(repo, {"teams/payments.yaml": TEAM})
    bad_ref = portal("validate", "--repo", repo, "--ref", "no-such-branch")
    assert bad_ref.code == 2
    assert bad_ref.err == f"portal: error: {repo}: unknown ref 'no-such-branch'\n"
    both = portal("validate", tmp_path, "--repo", repo)
    assert both.code == 2
    assert portal("validate", "--format", "yaml").code == 2  # argparse usage error
