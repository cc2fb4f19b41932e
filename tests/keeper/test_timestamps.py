"""Every time a document records is a real instant, and never later than the commit that records it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from reconciler.keeper.timestamps import future_times
from tests.conftest import write_files
from tests.gitrepo import commit
from tests.keeper.builders import ARTIFACT_PATH, TEAMS, artifact, repo

# tests.gitrepo commits at 2026-11-26T13:33:20Z.
COMMITTED = "2026-11-26T13:33:20Z"


def _version(published: str, approved: str | None = None, version: str = "1.0.0") -> str:
    entry = f"""\
    - version: {version}
      publishedBy: alice@acme.dev
      publishedAt: {published}
"""
    if approved:
        entry += f"      approvals: [{{by: bob@acme.dev, at: {approved}}}]\n"
    return entry


def _validate_commit(tmp_path: Path, portal, versions: str):
    repo = tmp_path / "repo"
    commit(repo, {**TEAMS, ARTIFACT_PATH: artifact(versions)})
    return portal("validate", "--repo", repo)


def test_the_31st_of_november_is_not_a_date(tmp_path: Path, portal) -> None:
    result = _validate_commit(tmp_path, portal, _version("2026-11-31T10:00:00Z"))
    assert result.code == 1
    assert result.lines == [
        f'{ARTIFACT_PATH}:15:7: error: Artifact/vpc: spec.versions[0].publishedAt: "2026-11-31T10:00:00Z" is not '
        'a "date-time"'
    ]


def test_a_second_60_is_not_a_time(tmp_path: Path, portal) -> None:
    for written in ("2026-03-01T10:00:60Z", "2026-03-01T23:59:60Z"):
        result = _validate_commit(tmp_path, portal, _version("2026-03-01T09:00:00Z", approved=written))
        assert result.code == 1, written
        assert len(result.lines) == 1, result.lines
        assert result.lines[0].startswith(f"{ARTIFACT_PATH}:16:"), result.lines
        assert "spec.versions[0].approvals[0].at" in result.lines[0]


def test_an_impossible_yank_time_is_located(tmp_path: Path, portal) -> None:
    versions = (
        _version("2026-03-01T09:00:00Z")
        + "      yanked: {reason: broken, by: bob@acme.dev, at: 2026-02-30T10:00:00Z}\n"
    )
    result = _validate_commit(tmp_path, portal, versions)
    assert result.code == 1
    assert len(result.lines) == 1 and "spec.versions[0].yanked.at" in result.lines[0], result.lines


def test_an_approval_dated_after_the_commit_is_an_error_and_does_not_count(tmp_path: Path, portal) -> None:
    result = _validate_commit(tmp_path, portal, _version("2026-03-01T09:00:00Z", approved="2099-01-01T00:00:00Z"))
    assert result.code == 1
    assert result.lines == [
        f"{ARTIFACT_PATH}:16:7: warning: Artifact/vpc: version 1.0.0 is pending: 0 of 1 required valid approvals",
        f"{ARTIFACT_PATH}:16:19: error: Artifact/vpc: bob@acme.dev approves version 1.0.0 at 2099-01-01T00:00:00Z, "
        "later than the commit that records it; an approval cannot be dated in the future, so it does not count",
    ]


def test_a_publication_dated_after_the_commit_is_an_error(tmp_path: Path, portal) -> None:
    result = _validate_commit(tmp_path, portal, _version("2026-11-26T13:45:00Z"))
    assert result.code == 1
    assert result.lines == [
        f"{ARTIFACT_PATH}:15:7: error: Artifact/vpc: version 1.0.0 is published at 2026-11-26T13:45:00Z, later than "
        "the commit that records it; a time cannot be in the future"
    ]


def test_five_minutes_of_clock_skew_are_allowed(tmp_path: Path, portal) -> None:
    result = _validate_commit(tmp_path, portal, _version("2026-11-26T13:30:00Z", approved="2026-11-26T13:38:00Z"))
    assert (result.code, result.lines) == (0, [])


def test_a_working_tree_is_judged_against_the_current_time(tmp_path: Path, portal) -> None:
    root = write_files(tmp_path / "tree", {**TEAMS, ARTIFACT_PATH: artifact(_version("2099-06-01T10:00:00Z"))})
    first = portal("validate", root)
    assert first.code == 1
    assert "version 1.0.0 is published at 2099-06-01T10:00:00Z, later than the commit" in first.out
    write_files(root, {ARTIFACT_PATH: artifact(_version("2026-01-01T10:00:00Z"))})
    assert (portal("validate", root).code, portal("validate", root).out) == (0, "")


def test_a_remembered_verdict_is_not_reused_once_time_has_passed(tmp_path: Path, portal) -> None:
    """The same documents at a later commit: what was in the future is now in the past."""
    repo = tmp_path / "repo"
    files = {**TEAMS, ARTIFACT_PATH: artifact(_version("2026-03-01T09:00:00Z", approved="2026-11-26T14:00:00Z"))}
    early = commit(repo, files)
    assert portal("validate", "--repo", repo, "--ref", early).code == 1
    import pygit2

    git = pygit2.Repository(str(repo))
    later = pygit2.Signature("Alice Example", "alice@acme.dev", 1_795_800_000, 0)
    late = git.create_commit("HEAD", later, later, "later", git[early].tree_id, [git[early].id])
    assert (portal("validate", "--repo", repo, "--ref", str(late)).code) == 0
    assert portal("validate", "--repo", repo, "--ref", early).code == 1


def test_every_kind_of_recorded_time_can_lie_in_the_future() -> None:
    """What decides whether remembered keeper findings still hold: each time later than the limit, as written."""
    versions = (
        _version("2026-01-01T10:00:00Z", approved="2026-07-01T10:00:00+02:00")
        + "      yanked: {reason: Broken, by: bob@acme.dev, at: 2026-08-01T10:00:00Z}\n"
        + _version("2026-06-01T10:00:00Z", version="1.1.0")
        + "      rejected: {by: carol@acme.dev, at: 2026-05-01T10:00:00Z, reason: No outputs}\n"
    )
    model = repo(versions)
    assert future_times(model.artifacts.values(), None) == {}
    limit = datetime(2026, 4, 1, tzinfo=UTC)
    assert future_times(model.artifacts.values(), limit) == {
        "vpc": ("2026-07-01T10:00:00+02:00", "2026-08-01T10:00:00Z", "2026-06-01T10:00:00Z", "2026-05-01T10:00:00Z")
    }
    assert future_times(model.artifacts.values(), datetime(2026, 7, 1, 9, tzinfo=UTC)) == {
        "vpc": ("2026-08-01T10:00:00Z",)  # 10:00 at +02:00 is 08:00 UTC
    }
