"""Hiding documents with `.portalignore` is deleting them: every `--base` rule sees it so, and it is said."""

from __future__ import annotations

from pathlib import Path

from tests.gitrepo import commit
from tests.keeper.builders import ARTIFACT_PATH, TEAMS, artifact

VERSIONS = """\
    - version: 1.0.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-01-01T10:00:00Z
      approvals: [{by: bob@acme.dev, at: 2026-01-02T10:00:00Z}]
"""
BASE = {**TEAMS, ARTIFACT_PATH: artifact(VERSIONS)}
HIDDEN = (
    f"{ARTIFACT_PATH}:4:3: warning: Artifact/vpc: hidden by .portalignore in this change, so the change deletes it "
    "as if its file were removed"
)


def test_hiding_an_artifact_is_reported_as_its_deletion(tmp_path: Path, portal) -> None:
    repo = tmp_path / "repo"
    base = commit(repo, BASE, "base")
    commit(repo, {**BASE, ".portalignore": "artifacts/\n"}, "ignore the artifacts")
    result = portal("validate", "--repo", repo, "--base", base)
    assert (result.code, result.lines) == (0, [HIDDEN])
    assert portal("validate", "--repo", repo, "--base", base, "--strict").code == 1


def test_a_hidden_artifacts_key_cannot_be_taken_in_the_same_change(tmp_path: Path, portal) -> None:
    repo = tmp_path / "repo"
    base = commit(repo, BASE, "base")
    taker = artifact(
        VERSIONS.replace("bob@acme.dev", "pat@acme.dev"), name="vpc-payments", team="payments", spec="  name: vpc\n"
    )
    commit(repo, {**BASE, ".portalignore": "/artifacts/vpc.yaml\n", "other/vpc.yaml": taker}, "take the key")
    result = portal("validate", "--repo", repo, "--base", base)
    assert result.code == 1
    assert result.lines[0] == HIDDEN
    assert result.lines[1].startswith("other/vpc.yaml:")
    assert "registry key networking/vpc/aws belongs to Artifact/vpc, which this change removes" in result.lines[1]


def test_deleting_the_file_is_not_reported_as_hiding(tmp_path: Path, portal) -> None:
    repo = tmp_path / "repo"
    base = commit(repo, BASE, "base")
    commit(repo, {**TEAMS, ".portalignore": "artifacts/\n"}, "remove the artifact")
    result = portal("validate", "--repo", repo, "--base", base)
    assert (result.code, result.lines) == (0, [])
