"""JUnit: valid against Ant's strict schema, readable by junitparser; suites by kind, a testcase per document."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import xmlschema
from junitparser import Failure, JUnitXml, SystemOut, TestSuite

from reconciler.check.formats.junit import FILES_SUITE, render_junit
from reconciler.model import Diagnostic, Severity
from tests.check.formats.readers import junit_schema
from tests.check.formats.samples import HOSTILE, validated


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return junit_schema()


def _suites(xml: str) -> dict[str, TestSuite]:
    report = JUnitXml.fromstring(xml)
    return {suite.name: suite for suite in report}


def test_a_report_validates_and_has_a_testcase_per_document(tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    findings, documents = validated(tmp_path / "repo")
    xml = render_junit(findings, documents)
    assert list(schema.iter_errors(xml)) == []
    suites = _suites(xml)
    assert list(suites) == ["Cluster", "Team", "Workspace", FILES_SUITE]
    for kind in ("Cluster", "Team", "Workspace"):
        cases = list(suites[kind])
        assert sorted(case.name for case in cases) == sorted(d.subject for d in documents if d.kind == kind)
        assert suites[kind].tests == len(cases)
    teams = {(case.classname, case.name): case for case in suites["Team"]}
    typo = teams[("teams/typo.yaml", "Team/typo")]
    assert [type(r) for r in typo.result] == [Failure]
    assert typo.result[0].type == "schema" and "unknown field 'dispalyName'" in typo.result[0].message
    assert teams[("teams/payments.yaml", "Team/payments")].result[0].type == "duplicates"  # declared twice
    assert suites["Team"].failures == 3  # typo, and both places of the duplicate
    assert suites["Cluster"].failures == 0 and all(case.is_passed for case in suites["Cluster"])
    # A file that holds no document is a testcase of its own suite.
    assert [(case.name, case.result[0].type) for case in suites[FILES_SUITE]] == [("teams/broken.yaml", "yaml")]


def test_warnings_and_notes_are_listed_in_the_suite_output(tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    findings, documents = validated(tmp_path / "repo")
    warning = next(d for d in documents if d.subject == "Cluster/mgmt")
    extra = [Diagnostic(Severity.WARNING, "mind this", warning.location("spec"), warning.subject, rule="hidden")]
    xml = render_junit([*findings, *extra], documents)
    assert list(schema.iter_errors(xml)) == []
    suites = _suites(xml)
    assert "clusters/mgmt.yaml:5:1: warning: Cluster/mgmt: mind this" in suites["Cluster"].child(SystemOut).text
    assert suites["Cluster"].failures == 0  # a warning does not fail its document


def test_several_errors_of_a_document_are_one_failure_listing_them(schema: xmlschema.XMLSchema) -> None:
    xml = render_junit([HOSTILE[0], dataclasses.replace(HOSTILE[0], message="second problem")], [])
    assert list(schema.iter_errors(xml)) == []
    (case,) = _suites(xml)[FILES_SUITE]
    (failure,) = case.result
    assert failure.message == "2 errors"
    assert failure.text.splitlines()[-1].endswith("second problem")


def test_hostile_text_stays_text(schema: xmlschema.XMLSchema) -> None:
    """Markup and characters XML cannot hold, in messages and paths, neither break the report nor add to it."""
    xml = render_junit(HOSTILE, [])
    assert list(schema.iter_errors(xml)) == []
    suites = _suites(xml)
    assert list(suites) == [FILES_SUITE]
    cases = {case.name: case for case in suites[FILES_SUITE]}
    assert sorted(cases) == sorted(["(repository)", "teams/a,b:c.yaml", "teams/c.yaml", "teams/d.yaml",
                                    "teams/per%cent and space.yaml"])  # fmt: skip
    control = cases["teams/d.yaml"].result[0]
    assert control.message == "control \\x01\\x1b characters and </failure> <![CDATA["
    assert suites[FILES_SUITE].failures == 3


def test_an_empty_report_is_valid_and_the_schema_check_is_real(schema: xmlschema.XMLSchema) -> None:
    xml = render_junit([], [])
    assert list(schema.iter_errors(xml)) == []
    assert list(_suites(xml)) == []
    broken = render_junit(HOSTILE, []).replace('timestamp="1970-01-01T00:00:00"', 'timestamp="1970-01-01T00:00:00Z"')
    assert list(schema.iter_errors(broken)) != []
