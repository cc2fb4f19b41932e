"""GitLab Code Quality: the documented report (an array of issues with description, check_name, fingerprint,
severity, location.path and location.lines.begin), with fingerprints stable across runs and unique per finding."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from reconciler.check.formats.gitlab import REPOSITORY, render_gitlab
from reconciler.model import Location, rules
from tests.check.formats.samples import HOSTILE, validated

# GitLab's documented facts of a Code Quality issue (docs: ci/testing/code_quality, "Code Quality report format"),
# and those of the schema GitLab validates each issue with (gitlabhq app/validators/json_schemas/codeclimate.json:
# description, fingerprint, severity and location required; strings; location.lines.begin an integer). GitLab's
# parser stops at the first issue that fails it and keeps one issue per fingerprint, so every issue must pass and
# no two may share a fingerprint, or findings are lost without a word.
SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
FIELDS = {"description", "check_name", "fingerprint", "severity", "location"}


def _assert_documented(issue: dict[str, Any]) -> None:
    assert set(issue) == FIELDS
    assert isinstance(issue["description"], str) and issue["description"]
    assert isinstance(issue["check_name"], str) and issue["check_name"]
    assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
    assert issue["severity"] in SEVERITIES
    location = issue["location"]
    assert set(location) == {"path", "lines"}
    path = location["path"]
    assert isinstance(path, str) and path and not path.startswith(("/", "./"))  # relative, not prefixed with ./
    assert set(location["lines"]) == {"begin"}
    assert isinstance(location["lines"]["begin"], int) and location["lines"]["begin"] >= 1


def test_a_report_has_the_documented_shape(tmp_path: Path) -> None:
    findings, _ = validated(tmp_path / "repo")
    findings += HOSTILE
    issues = json.loads(render_gitlab(findings))
    assert isinstance(issues, list) and len(issues) == len(findings)
    for finding, issue in zip(findings, issues, strict=True):
        _assert_documented(issue)
        assert issue["check_name"] == rules.rule_of(finding)
        assert finding.message in issue["description"]
        assert issue["severity"] == {"error": "major", "warning": "minor", "note": "info"}[str(finding.severity)]
        if finding.location is not None:
            assert (issue["location"]["path"], issue["location"]["lines"]["begin"]) == (
                finding.location.path,
                finding.location.line,
            )
        else:
            assert issue["location"] == {"path": REPOSITORY, "lines": {"begin": 1}}
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    assert json.loads(render_gitlab([])) == []


def test_fingerprints_are_stable_across_runs_and_unique_per_finding(tmp_path: Path) -> None:
    findings, _ = validated(tmp_path / "repo")
    first = [i["fingerprint"] for i in json.loads(render_gitlab(findings))]
    assert first == [i["fingerprint"] for i in json.loads(render_gitlab(list(findings)))]
    # A finding whose line moves (an edit above it) is the same finding.
    moved = [
        dataclasses.replace(f, location=Location(f.location.path, f.location.line + 3, 1)) if f.location else f
        for f in findings
    ]
    assert [i["fingerprint"] for i in json.loads(render_gitlab(moved))] == first
    # The same finding twice (e.g. at two places of one file) gets two fingerprints.
    twice = json.loads(
        render_gitlab([HOSTILE[0], dataclasses.replace(HOSTILE[0], location=Location("teams/a,b:c.yaml", 9))])
    )
    assert twice[0]["fingerprint"] != twice[1]["fingerprint"]
    # Another message, another fingerprint.
    other = json.loads(render_gitlab([dataclasses.replace(HOSTILE[0], message="something else")]))
    assert other[0]["fingerprint"] != twice[0]["fingerprint"]
