"""SARIF: valid against the OASIS 2.1.0 schema, one rule per kind of finding, places relative to the repo root."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler.check.formats.sarif import REPO_ROOT, render_sarif
from reconciler.model import rules
from tests.check.formats.readers import sarif_errors, sarif_validator
from tests.check.formats.samples import HOSTILE, validated


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    return sarif_validator()


def test_a_report_validates_with_a_rule_for_each_kind_of_finding(
    tmp_path: Path, validator: jsonschema.Draft7Validator
) -> None:
    findings, _ = validated(tmp_path / "repo")
    findings += HOSTILE
    log = json.loads(render_sarif(findings, tool_version="1.2.3"))
    assert sarif_errors(validator, log) == []
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("portal", "1.2.3")
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == sorted({rules.rule_of(f) for f in findings})
    assert {"yaml", "schema", "duplicates", "chambers", "other"} <= set(ids)
    assert all(rule["shortDescription"]["text"] == rules.describe(rule["id"]) for rule in driver["rules"])
    results = run["results"]
    assert len(results) == len(findings)
    for finding, result in zip(findings, results, strict=True):
        assert result["ruleId"] == rules.rule_of(finding)
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] == str(finding.severity)
        assert finding.message in result["message"]["text"]


def test_places_are_relative_to_the_repo_root(tmp_path: Path, validator: jsonschema.Draft7Validator) -> None:
    log = json.loads(render_sarif(HOSTILE, tool_version="0"))
    assert run_uris(log) == [
        ("teams/a%2Cb%3Ac.yaml", 3, 5),
        ("teams/per%25cent%20and%20space.yaml", 2, 1),
        ("teams/c.yaml", 1, 1),
        ("teams/d.yaml", 4, 2),
    ]
    assert "locations" not in log["runs"][0]["results"][-1]  # the finding about no file
    assert REPO_ROOT in log["runs"][0]["originalUriBaseIds"]
    assert sarif_errors(validator, log) == []


def run_uris(log: dict[str, Any]) -> list[tuple[str, int, int]]:
    places = []
    for result in log["runs"][0]["results"]:
        for location in result.get("locations", []):
            physical = location["physicalLocation"]
            assert physical["artifactLocation"]["uriBaseId"] == REPO_ROOT
            region = physical["region"]
            places.append((physical["artifactLocation"]["uri"], region["startLine"], region["startColumn"]))
    return places


def test_output_is_deterministic_and_empty_reports_are_valid(
    tmp_path: Path, validator: jsonschema.Draft7Validator
) -> None:
    findings, _ = validated(tmp_path / "repo")
    assert render_sarif(findings, tool_version="1") == render_sarif(list(findings), tool_version="1")
    empty = json.loads(render_sarif([], tool_version="1"))
    assert sarif_errors(validator, empty) == []
    assert empty["runs"][0]["results"] == [] and empty["runs"][0]["tool"]["driver"]["rules"] == []


def test_the_schema_check_is_real(validator: jsonschema.Draft7Validator) -> None:
    """The validator rejects what SARIF forbids, so the checks above can fail."""
    log = json.loads(render_sarif(HOSTILE, tool_version="0"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(sarif_errors(validator, log)) == 2
