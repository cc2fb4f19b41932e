"""Every finding carries the stable id of its kind (its rule), from the file checks to the cross-document checks,
and keeps it when it comes back from the state dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.load.sources import working_tree
from reconciler.model import rules
from reconciler.validate import validate_source
from reconciler.validate.checks import CHECKS
from reconciler.validate.memo import ValidationMemo
from tests.conftest import write_files
from tests.foundation.repos import HEADER, TEAM, WORKSPACE, valid_repo
from tests.foundation.test_bad_input import CASES as BAD_INPUT

BROKEN = {
    "teams/broken.yaml": "a: [1, 2\n",
    "teams/list.yaml": "- a\n",
    "teams/other.yaml": "apiVersion: v9\nkind: Team\nmetadata: {name: x}\n",
    "teams/kindless.yaml": HEADER + "kind: Tem\nmetadata: {name: x}\n",
    "teams/nameless.yaml": HEADER + "kind: Team\nmetadata: {}\n",
    "teams/nan.yaml": TEAM.replace("name: payments", "name: nan-team").replace("Payments", ".nan"),
    "teams/typo.yaml": TEAM.replace("name: payments", "name: typo").replace("displayName", "dispalyName"),
    "teams/long.yaml": TEAM.replace("name: payments", "name: " + "a" * 60),
    "teams/again.yaml": TEAM,
    "workspaces/orphan.yaml": WORKSPACE.replace("name: alice-ledger", "name: orphan").replace(
        "team: payments", "team: paymnets"
    ),
    "binary.yaml": b"\0\1\2",
    "latin1.yaml": b"name: caf\xe9\n",
}

EXPECTED = {
    "teams/broken.yaml": {rules.YAML},
    "teams/list.yaml": {rules.DOCUMENT_SHAPE},
    "teams/other.yaml": {rules.API_VERSION},
    "teams/kindless.yaml": {rules.KIND},
    "teams/nameless.yaml": {rules.METADATA_NAME},
    "teams/nan.yaml": {rules.STORABLE_VALUES, rules.SCHEMA},  # .nan is no string either
    "teams/typo.yaml": {rules.SCHEMA},
    "teams/long.yaml": {rules.NAMES},
    "teams/again.yaml": {rules.DUPLICATES},
    "teams/payments.yaml": {rules.DUPLICATES},
    "workspaces/orphan.yaml": {"chambers"},
    "binary.yaml": {rules.ENCODING},
    "latin1.yaml": {rules.ENCODING},
}


def test_every_declared_check_has_a_described_rule() -> None:
    for check in CHECKS:
        assert check.name in rules.RULES, check.name
    assert {"artifact", "pipeline"} <= rules.RULES.keys()  # the document checks, named by their kind
    assert all(rules.describe(rule) == text for rule, text in rules.RULES.items())
    assert rules.describe("made-up") == "A finding of the portal's checks"


def test_each_kind_of_finding_carries_its_rule(tmp_path: Path) -> None:
    write_files(tmp_path / "repo", {**valid_repo(), **BROKEN})
    findings = validate_source(working_tree(tmp_path / "repo")).diagnostics
    by_path: dict[str, set[str | None]] = {}
    for finding in findings:
        assert finding.location is not None
        by_path.setdefault(finding.location.path, set()).add(finding.rule)
    assert by_path == EXPECTED


def test_rules_come_back_from_the_state_dir(tmp_path: Path) -> None:
    """The blob cache and the cross-check memo keep the rule: a warm run finds exactly what a cold one did."""
    write_files(tmp_path / "repo", {**valid_repo(), **BROKEN})
    cold = validate_source(working_tree(tmp_path / "repo"), memo=ValidationMemo(tmp_path / "state"))
    warm = validate_source(working_tree(tmp_path / "repo"), memo=ValidationMemo(tmp_path / "state"))
    assert warm.diagnostics == cold.diagnostics
    assert all(d.rule for d in warm.diagnostics)
    assert {d.rule for d in warm.diagnostics} == set().union(*EXPECTED.values())


def test_the_json_report_names_each_findings_rule(tmp_path: Path, portal) -> None:
    write_files(tmp_path / "repo", {**valid_repo(), "teams/typo.yaml": BROKEN["teams/typo.yaml"]})
    result = portal("validate", tmp_path / "repo", "--format", "json")
    assert result.code == 1
    assert [d["rule"] for d in json.loads(result.out)["diagnostics"]] == [rules.SCHEMA]


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_every_kind_of_bad_input_has_a_described_rule(case: str, tmp_path: Path) -> None:
    files, _ = BAD_INPUT[case]
    write_files(tmp_path / "repo", {**valid_repo(), **files})
    findings = validate_source(working_tree(tmp_path / "repo")).diagnostics
    assert findings
    assert [d.rule for d in findings if d.rule not in rules.RULES] == []
