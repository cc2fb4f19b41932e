"""`portal check` on six kinds of change, in every format it renders, against golden files.

Set PORTAL_UPDATE_GOLDEN=1 to rewrite the golden files (then read the diff before committing it)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from tests.check.builders import ARTIFACT_PATH, PIPELINE, PIPELINE_PATH, approved_by, change
from tests.conftest import REPO_ROOT
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
}
FORMATS = {"text": "txt", "json": "json", "markdown": "md"}


@pytest.mark.parametrize("form", FORMATS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_report_matches_its_golden_file(scenario: str, form: str, tmp_path: Path, portal) -> None:
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
