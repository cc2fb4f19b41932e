"""One bad document reads as one cause: what follows from it is folded under it, never hidden."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reconciler.model import Diagnostic, Location, error, warning
from reconciler.validate.folding import fold
from tests.conftest import REPO_ROOT

ROOT_CAUSE = (
    'teams/platform.yaml:13:32: error: Team/platform: spec.access.users[0].role: "admn" is not one of "admin", '
    '"operator" or "viewer"'
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "repo-template", root)
    return root


def _break_the_platform_team(root: Path) -> None:
    team = root / "teams" / "platform.yaml"
    team.write_text(team.read_text().replace("role: admin", "role: admn", 1))


def test_a_broken_team_reads_as_one_error_with_its_consequences_counted(repo: Path, portal) -> None:
    _break_the_platform_team(repo)
    result = portal("validate", repo)
    assert result.code == 1
    assert result.lines == [
        ROOT_CAUSE,
        "  … and 23 finding(s) (13 error(s), 10 warning(s)) that depend on Team/platform (--verbose lists them)",
    ]
    assert result.err.startswith("14 error(s), 10 warning(s) in 24 document(s)")  # nothing left out of the count


def test_verbose_and_json_list_every_folded_finding(repo: Path, portal) -> None:
    _break_the_platform_team(repo)
    verbose = portal("validate", repo, "--verbose").lines
    assert verbose[0] == ROOT_CAUSE
    assert verbose[1] == "  23 finding(s) (13 error(s), 10 warning(s)) that depend on Team/platform:"
    assert len(verbose) == 2 + 23 and all(line.startswith("    artifacts/") for line in verbose[2:])
    report = json.loads(portal("validate", repo, "--format", "json").out)
    found = report["diagnostics"]
    assert (report["errors"], report["warnings"], len(found)) == (14, 10, 24)
    assert found[0]["subject"] == "Team/platform" and found[0]["cause"] is None  # the root cause first
    assert all(d["cause"] == "Team/platform" for d in found[1:])
    assert sorted(line.strip() for line in verbose[2:]) == sorted(
        f"{d['path']}:{d['line']}:{d['column']}: {d['severity']}: {d['subject']}: {d['message']}" for d in found[1:]
    )


def test_an_unrelated_error_is_never_folded_under_a_broken_document(repo: Path, portal) -> None:
    """An attacker (or a hurried author) breaks the team to hide another error: it still prints on its own."""
    _break_the_platform_team(repo)
    workspace = next((repo / "workspaces").glob("*.yaml"))
    text = workspace.read_text()
    owner = next(line for line in text.splitlines() if line.strip().startswith("owner:"))
    workspace.write_text(text.replace(owner, "  owner: mallory@evil.example", 1))
    lines = portal("validate", repo).lines
    assert lines[0] == ROOT_CAUSE and lines[1].startswith("  … and 23 finding(s)")
    assert len(lines) == 3 and "mallory@evil.example is not a member of Team" in lines[2]


def test_a_cluster_typo_warns_nowhere_else(repo: Path, portal) -> None:
    """A Cluster that fails its schema still declares its labels: the pipelines that select it do not warn."""
    cluster = repo / "clusters" / "dev-eu-1.yaml"
    cluster.write_text(cluster.read_text().replace("maxWorkspaces:", "maxWorkspace:"))
    result = portal("validate", repo)
    assert result.lines == [
        "clusters/dev-eu-1.yaml:22:5: error: Cluster/dev-eu-1: spec.workspaces.maxWorkspace: unknown field "
        "'maxWorkspace'; did you mean 'maxWorkspaces'?"
    ]


def test_folding_needs_a_cause_with_findings_of_its_own() -> None:
    """A finding whose cause printed nothing would vanish under it: it stays shown."""
    orphan = Diagnostic(warning("w").severity, "w", Location("a.yaml"), "Artifact/a", cause="Team/gone")
    folded = Diagnostic(error("e").severity, "e", Location("b.yaml"), "Artifact/b", cause="Team/t")
    root = error("bad role", Location("t.yaml"), "Team/t")
    report = fold([orphan, folded, root])
    assert report.shown == (root, orphan)
    assert report.folded == {"Team/t": (folded,)}
    assert report.ordered() == [root, folded, orphan]


def test_a_clash_is_never_folded_under_an_invalid_cluster_its_pipeline_names(repo: Path, portal) -> None:
    """A clash at a valid cluster does not follow from another, invalid, cluster the pipeline also targets."""
    cluster = repo / "clusters" / "dev-eu-1.yaml"
    cluster.write_text(cluster.read_text().replace("maxWorkspaces:", "maxWorkspace:"))
    app_logs = (repo / "pipelines" / "app-logs.yaml").read_text()
    targets = "    - clusters: {matchLabels: {env: prd}}\n"
    assert targets in app_logs
    clashing = app_logs.replace("name: app-logs", "name: more-logs", 1)
    (repo / "pipelines" / "more-logs.yaml").write_text(
        clashing.replace(targets, "    - clusters: {names: [dev-eu-1, prd-eu-1]}\n")
    )
    lines = portal("validate", repo).lines
    assert lines[0].startswith("clusters/dev-eu-1.yaml:22:5: error: Cluster/dev-eu-1: spec.workspaces.maxWorkspace")
    assert not any("depend on Cluster/dev-eu-1" in line for line in lines)
    assert any(
        line.startswith("pipelines/more-logs.yaml:") and "by both Pipeline/app-logs and Pipeline/more-logs" in line
        for line in lines
    )
