"""`portal check` on eight kinds of change, in every format it renders, against golden files; each CI format read
by what its consumers read it with, and carrying the findings of the JSON report.

Set PORTAL_UPDATE_GOLDEN=1 to rewrite the golden files (then read the diff before committing it)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import JUnitXml

from reconciler import __version__
from reconciler.check.formats.junit import TESTS_SUITE
from reconciler.cli.check import FORMATS as CLI_FORMATS
from reconciler.load.sources import working_tree
from reconciler.model import Document, rules
from reconciler.validate import validate_source
from tests.check.builders import ARTIFACT_PATH, PIPELINE, PIPELINE_PATH, approved_by, base_files, change
from tests.check.formats.readers import (
    assert_documented,
    junit_schema,
    runner_commands,
    sarif_errors,
    sarif_validator,
)
from tests.conftest import REPO_ROOT, write_files
from tests.foundation.repos import WORKSPACE

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS: dict[str, tuple[dict[str, str | None], int]] = {
    # name: (files the change edits, None deleting; the exit status)
    "clean-workspace-edit": ({"workspaces/alice-ledger.yaml": WORKSPACE.replace('cpu: "2"', 'cpu: "3"')}, 0),
    "illegal-approval": ({ARTIFACT_PATH: approved_by("vic@acme.dev")}, 1),
    "invalid-pipeline": ({PIPELINE_PATH: PIPELINE.replace("inputs: [parse]", "inputs: [parsed]")}, 1),
    "pipeline-config-change": (
        {
            PIPELINE_PATH: PIPELINE.replace(
                "extra_namespace_label_selector: team=payments",
                "extra_namespace_label_selector: team=payments,tier=web",
            )
        },
        0,
    ),
    "prune": ({"workspaces/alice-ledger.yaml": None, PIPELINE_PATH: None}, 0),
    "no-documents": ({"README.md": "# platform\n\nNow with a README.\n"}, 0),
    # A test that passes on the base fails on the head: an expected value changed to nonsense.
    "failing-pipeline-test": ({PIPELINE_PATH: PIPELINE.replace("msg: boom}}", "msg: nonsense}}")}, 1),
    "test-of-a-missing-component": ({PIPELINE_PATH: PIPELINE.replace("insert_at: parse", "insert_at: prase")}, 1),
}
# Format: the golden file's suffix.
FORMATS = {
    "text": "txt",
    "json": "json",
    "markdown": "md",
    "sarif": "sarif.json",
    "junit": "junit.xml",
    "github": "github.txt",
    "gitlab": "gitlab.json",
}


@pytest.mark.parametrize("form", FORMATS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_report_matches_its_golden_file(
    scenario: str, form: str, tmp_path: Path, portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the time a failing pipeline test's events show
    edits, status = SCENARIOS[scenario]
    repo, base, _ = change(tmp_path, edits)
    result = portal("check", "--repo", repo, "--base", base, "--format", form)
    assert result.code == status, result.err
    golden = GOLDEN / f"{scenario}.{FORMATS[form]}"
    if os.environ.get("PORTAL_UPDATE_GOLDEN"):
        golden.write_text(result.out, encoding="utf-8")
    assert result.out == golden.read_text(encoding="utf-8")


def test_every_json_report_follows_the_published_schema() -> None:
    schema = json.loads((REPO_ROOT / "schemas" / "reports" / "check-report.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    jsonschema.Draft202012Validator.check_schema(schema)
    for scenario in SCENARIOS:
        report = json.loads((GOLDEN / f"{scenario}.json").read_text(encoding="utf-8"))
        assert [e.message for e in validator.iter_errors(report)] == [], scenario


def test_every_format_of_the_command_has_golden_files() -> None:
    assert sorted(FORMATS) == sorted(CLI_FORMATS)


def _golden(scenario: str, form: str) -> str:
    return (GOLDEN / f"{scenario}.{FORMATS[form]}").read_text(encoding="utf-8")


def _findings(scenario: str) -> list[dict[str, Any]]:
    """The findings of the scenario's JSON report, which every CI format carries in the same order."""
    return json.loads(_golden(scenario, "json"))["findings"]


def _place(finding: dict[str, Any]) -> tuple[str | None, int | None, int | None]:
    return finding["path"], finding["line"], finding["column"]


def test_the_scenarios_have_findings_of_every_severity_and_several_rules() -> None:
    """So that the format tests below compare findings, not empty lists."""
    findings = [f for scenario in SCENARIOS for f in _findings(scenario)]
    assert {f["severity"] for f in findings} >= {"error", "warning"}
    assert len({f["rule"] for f in findings}) >= 2
    assert all(f["rule"] in rules.RULES for f in findings)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_sarif_reports_validate_and_carry_every_finding(scenario: str) -> None:
    validator = sarif_validator()
    log = json.loads(_golden(scenario, "sarif"))
    assert sarif_errors(validator, log) == []
    (run,) = log["runs"]
    findings = _findings(scenario)
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("portal", __version__)
    assert [rule["id"] for rule in driver["rules"]] == sorted({f["rule"] for f in findings})
    located = [
        (
            r["ruleId"],
            r["level"],
            (loc["artifactLocation"]["uri"], loc["region"]["startLine"], loc["region"]["startColumn"]),
        )
        for r in run["results"]
        for loc in (location["physicalLocation"] for location in r["locations"])
    ]
    assert located == [(f["rule"], f["severity"], _place(f)) for f in findings]


def _head_documents(scenario: str, root: Path) -> list[Document]:
    files = {**base_files(), **SCENARIOS[scenario][0]}
    write_files(root, {path: text for path, text in files.items() if text is not None})
    return list(validate_source(working_tree(root)).documents)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_junit_reports_validate_with_a_testcase_per_document_of_the_head(scenario: str, tmp_path: Path) -> None:
    schema = junit_schema()
    xml = _golden(scenario, "junit")
    assert list(schema.iter_errors(xml)) == []
    suites = {suite.name: list(suite) for suite in JUnitXml.fromstring(xml)}
    suites.pop(TESTS_SUITE, None)
    documents = _head_documents(scenario, tmp_path / "head")
    assert {kind: sorted(case.name for case in cases) for kind, cases in suites.items()} == {
        kind: sorted(d.subject for d in documents if d.kind == kind) for kind in {d.kind for d in documents}
    }
    failing = {(case.classname, case.name) for cases in suites.values() for case in cases if not case.is_passed}
    errors = [f for f in _findings(scenario) if f["severity"] == "error"]
    assert failing == {(f["path"], f["subject"]) for f in errors}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_junit_reports_have_a_testcase_per_pipeline_test_of_the_head(scenario: str) -> None:
    """As the JSON report's Herald part lists them: a failing test fails, one not run is skipped."""
    (suite,) = [s for s in JUnitXml.fromstring(_golden(scenario, "junit")) if s.name == TESTS_SUITE] or [None]
    tests = json.loads(_golden(scenario, "json"))["herald"]["tests"]
    cases = list(suite) if suite is not None else []
    verdicts = {"passed": "passed", "failed": "failure", "not run": "skipped"}

    def verdict(case: Any) -> str:
        return "passed" if case.is_passed else type(case.result[0]).__name__.lower()

    assert [(c.classname, c.name, verdict(c)) for c in cases] == [
        (t["path"], f"{t['pipeline']}/{t['test']}", verdicts[t["status"]]) for t in tests
    ]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_github_annotations_carry_every_finding(scenario: str) -> None:
    commands = runner_commands(_golden(scenario, "github"))
    names = {"error": "error", "warning": "warning", "note": "notice"}
    assert [
        (
            c.name,
            c.properties["file"],
            int(c.properties["line"]),
            int(c.properties["col"]),
            c.properties["title"],
            c.data,
        )
        for c in commands
        if c is not None
    ] == [
        (names[f["severity"]], *_place(f), f"portal {f['rule']}", f"{f['subject']}: {f['message']}")
        for f in _findings(scenario)
    ]
    assert None not in commands  # every line is a command of its own


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_gitlab_reports_are_code_quality_carrying_every_finding(scenario: str) -> None:
    issues = json.loads(_golden(scenario, "gitlab"))
    for issue in issues:
        assert_documented(issue)
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    severities = {"error": "major", "warning": "minor", "note": "info"}
    assert [
        (i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues
    ] == [(f["rule"], severities[f["severity"]], f["path"], f["line"]) for f in _findings(scenario)]
