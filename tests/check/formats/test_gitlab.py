"""GitLab Code Quality: the documented report (an array of issues with description, check_name, fingerprint,
severity, location.path and location.lines.begin), with fingerprints stable across runs and unique per finding."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from reconciler.check.formats.gitlab import REPOSITORY, render_gitlab
from reconciler.model import Location, rules
from tests.check.formats.readers import assert_documented
from tests.check.formats.samples import HOSTILE, validated


def test_a_report_has_the_documented_shape(tmp_path: Path) -> None:
    findings, _ = validated(tmp_path / "repo")
    findings += HOSTILE
    issues = json.loads(render_gitlab(findings))
    assert isinstance(issues, list) and len(issues) == len(findings)
    for finding, issue in zip(findings, issues, strict=True):
        assert_documented(issue)
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
