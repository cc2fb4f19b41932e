"""Keeper's rules through the command line, on real git repositories: `portal validate --base`, `portal codeowners`."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_files
from tests.gitrepo import commit
from tests.keeper.builders import ARTIFACT_PATH, PLATFORM_TEAM, TEAMS, artifact

PENDING = """\
    - version: 1.1.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-02-01T10:00:00Z
"""
APPROVED = """\
    - version: 1.0.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-01-01T10:00:00Z
      changelog: First cut.
      approvals: [{by: bob@acme.dev, at: 2026-01-02T10:00:00Z}]
"""
BASE_FILES = {**TEAMS, ARTIFACT_PATH: artifact(PENDING + APPROVED)}


def approval_of_pending(approver: str) -> str:
    return PENDING + f"      approvals: [{{by: {approver}, at: 2026-02-02T10:00:00Z}}]\n" + APPROVED


def change(tmp_path: Path, head_files: dict[str, str]) -> tuple[Path, str]:
    """A repo whose HEAD is `head_files` on top of a base commit of BASE_FILES; returns it and the base id."""
    repo = tmp_path / "platform"
    base = commit(repo, BASE_FILES, "base")
    commit(repo, head_files, "change")
    return repo, base


def test_a_valid_approval_passes(tmp_path: Path, portal) -> None:
    repo, base = change(tmp_path, {**TEAMS, ARTIFACT_PATH: artifact(approval_of_pending("carol@acme.dev"))})
    result = portal("validate", "--repo", repo, "--ref", "HEAD", "--base", base)
    assert (result.code, result.lines) == (0, [])


def test_self_promotion_and_approval_in_one_change_is_refused(tmp_path: Path, portal) -> None:
    promoted = PLATFORM_TEAM + "      - {name: dan@acme.dev, role: admin}\n"
    head = {**TEAMS, "teams/platform.yaml": promoted, ARTIFACT_PATH: artifact(approval_of_pending("dan@acme.dev"))}
    repo, base = change(tmp_path, head)
    alone = portal("validate", "--repo", repo, "--ref", "HEAD")
    assert (alone.code, alone.lines) == (0, [])
    result = portal("validate", "--repo", repo, "--ref", "HEAD", "--base", base)
    assert result.code == 1
    assert result.lines == [
        f"{ARTIFACT_PATH}:16:7: warning: Artifact/vpc: version 1.1.0 is pending: 0 of 1 required valid approvals",
        f"{ARTIFACT_PATH}:16:19: error: Artifact/vpc: dan@acme.dev is not a member of Team/platform on the target "
        "branch; only its admins and operators approve (a role this change grants counts only once it is merged)",
    ]


def test_actor_cannot_approve_in_their_own_change(tmp_path: Path, portal) -> None:
    repo, base = change(tmp_path, {**TEAMS, ARTIFACT_PATH: artifact(approval_of_pending("carol@acme.dev"))})
    result = portal("validate", "--repo", repo, "--ref", "HEAD", "--base", base, "--actor", "carol@acme.dev")
    assert result.code == 1
    assert result.lines == [
        f"{ARTIFACT_PATH}:16:7: warning: Artifact/vpc: version 1.1.0 is pending: 0 of 1 required valid approvals",
        f"{ARTIFACT_PATH}:16:19: error: Artifact/vpc: carol@acme.dev is the author of this change and cannot "
        "approve in it",
    ]


def test_deleting_and_editing_published_versions_is_refused(tmp_path: Path, portal) -> None:
    edited = APPROVED.replace("First cut.", "First cut, now with IPv6.")
    repo, base = change(tmp_path, {**TEAMS, ARTIFACT_PATH: artifact(edited)})
    result = portal("validate", "--repo", repo, "--ref", "HEAD", "--base", base)
    assert result.code == 1
    assert result.lines == [
        f"{ARTIFACT_PATH}:12:3: error: Artifact/vpc: version 1.1.0 was deleted; versions are never deleted, "
        "yank it instead",
        f"{ARTIFACT_PATH}:16:7: error: Artifact/vpc: version 1.0.0 is approved, so its changelog cannot change; "
        "publish a new version instead",
    ]


def test_codeowners(tmp_path: Path, portal) -> None:
    root = write_files(tmp_path / "platform", BASE_FILES)
    out = tmp_path / "CODEOWNERS"
    assert portal("codeowners", root, "-o", out).code == 0
    assert out.read_text().splitlines()[3:] == [
        "* alice@acme.dev",
        "/artifacts/vpc.yaml alice@acme.dev bob@acme.dev carol@acme.dev",
        "/teams/payments.yaml pat@acme.dev",
        "/teams/platform.yaml alice@acme.dev",
    ]
    assert portal("codeowners", root, "-o", out, "--check").code == 0
    write_files(root, {"teams/platform.yaml": PLATFORM_TEAM.replace("bob@acme.dev, role: operator", "bob@acme.dev")})
    stale = portal("codeowners", root, "-o", out, "--check")
    assert (stale.code, stale.err) == (1, f"{out}: out of date; run portal codeowners -o {out}\n")
    printed = portal("codeowners", root)
    assert (printed.code, printed.lines[4]) == (0, "/artifacts/vpc.yaml alice@acme.dev carol@acme.dev")


def test_codeowners_refuses_an_invalid_repo(tmp_path: Path, portal) -> None:
    root = write_files(tmp_path / "platform", {**BASE_FILES, "teams/broken.yaml": "kind: [\n"})
    result = portal("codeowners", root)
    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        "teams/broken.yaml:2:1: error: invalid YAML: did not find expected node content "
        "(while parsing a flow node)\nportal: 1 error(s) hide Teams or Artifacts: no CODEOWNERS written\n"
    )


def test_versions_sort_prints_precedence_order_oldest_first(portal) -> None:
    result = portal("versions", "sort", "1.0.0", "1.0.0-rc.10", "1.0.0+build.2", "1.0.0-rc.9", "0.9.0", "1.0.0-alpha")
    assert (result.code, result.err) == (0, "")
    assert result.lines == ["0.9.0", "1.0.0-alpha", "1.0.0-rc.9", "1.0.0-rc.10", "1.0.0", "1.0.0+build.2"]


def test_versions_sort_reports_each_invalid_version_with_its_reason(portal) -> None:
    result = portal("versions", "sort", "v1.2.0", "1.0.0", "1.0.0-01", "--", "-1.0.0")
    assert result.code == 1
    assert result.lines == ["1.0.0"]
    assert result.err.splitlines() == [
        "portal: error: 'v1.2.0' is not a semver version: a leading `v` is not part of a version (write 1.2.0)",
        "portal: error: '1.0.0-01' is not a semver version: numeric prerelease identifier `01` has a leading zero",
        "portal: error: '-1.0.0' is not a semver version: expected MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], "
        "e.g. 1.4.0 or 2.0.0-rc.1",
    ]


def test_the_schema_refuses_what_semver_refuses_and_says_why(tmp_path: Path, portal) -> None:
    versions = "".join(
        f"    - version: {text}\n      publishedBy: alice@acme.dev\n      publishedAt: 2026-01-0{day}T10:00:00Z\n"
        for day, text in enumerate(["v1.2.0", '"1.0.0-01"', "1.0.0-alpha..1", "1.\u0661.0", "2.0.0-rc.1+build.5"], 1)
    )
    root = write_files(tmp_path / "repo", {**TEAMS, ARTIFACT_PATH: artifact(versions)})
    result = portal("validate", root)
    assert result.code == 1
    errors = [line.split(": error: Artifact/vpc: ", 1)[1] for line in result.lines if ": error: " in line]
    assert errors == [
        "spec.versions[0].version: 'v1.2.0' is not a semver version: a leading `v` is not part of a version "
        "(write 1.2.0)",
        "spec.versions[1].version: '1.0.0-01' is not a semver version: numeric prerelease identifier `01` has a "
        "leading zero",
        "spec.versions[2].version: '1.0.0-alpha..1' is not a semver version: it has an empty prerelease identifier",
        # `\d` of the old pattern matched ARABIC-INDIC DIGIT ONE
        "spec.versions[3].version: '1.\u0661.0' is not a semver version: it has non-ASCII characters (digits and "
        "letters must be ASCII)",
    ]
