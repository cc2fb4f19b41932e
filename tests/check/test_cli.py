"""`portal check` as a command: exit status, --strict, --output, and bad input (a located message, exit 2,
never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.check.builders import PIPELINE, PIPELINE_PATH, change
from tests.foundation.repos import TENANT

# A label selector matching no cluster is only a warning.
UNMATCHED = PIPELINE.replace("env: dev", "env: nowhere")


def test_warnings_pass_unless_strict(tmp_path: Path, portal) -> None:
    repo, base, _ = change(tmp_path, {PIPELINE_PATH: UNMATCHED})
    relaxed = portal("check", "--repo", repo, "--base", base, "--format", "json")
    assert relaxed.code == 0
    report = json.loads(relaxed.out)
    assert (report["errors"], report["warnings"] > 0, report["passed"]) == (0, True, True)
    strict = portal("check", "--repo", repo, "--base", base, "--format", "json", "--strict")
    assert strict.code == 1
    assert json.loads(strict.out)["passed"] is False


def test_output_writes_the_report_to_a_file(tmp_path: Path, portal) -> None:
    repo, base, _ = change(tmp_path, {"clusters/dev-eu-1.yaml": TENANT.replace("maxWorkspaces: 3", "maxWorkspaces: 4")})
    out = tmp_path / "report.md"
    result = portal("check", "--repo", repo, "--base", base, "--format", "markdown", "--output", out)
    assert (result.code, result.out) == (0, "")
    assert out.read_text(encoding="utf-8").startswith("<!-- portal-check -->\n")
    assert f"report written to {out}" in result.err


@pytest.mark.parametrize(
    ("form", "starts"),
    [
        ("sarif", '{\n  "$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/'),
        ("junit", '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>'),
        ("github", "::warning file=pipelines/app-logs.yaml,"),
        ("gitlab", '[\n  {\n    "description": "Pipeline/app-logs: '),
    ],
)
def test_ci_formats_write_the_findings_and_keep_the_exit_status(tmp_path: Path, portal, form: str, starts: str) -> None:
    repo, base, _ = change(tmp_path, {PIPELINE_PATH: UNMATCHED})
    out = tmp_path / f"report.{form}"
    result = portal("check", "--repo", repo, "--base", base, "--format", form, "--output", out, "--strict")
    assert (result.code, result.out) == (1, "")  # the warning fails under --strict, whatever the format
    assert out.read_text(encoding="utf-8").startswith(starts)
    assert f"0 error(s), 1 warning(s): report written to {out}" in result.err
    relaxed = portal("check", "--repo", repo, "--base", base, "--format", form)
    assert relaxed.code == 0
    assert relaxed.out == out.read_text(encoding="utf-8")  # the same bytes, to stdout or to a file


def test_an_unknown_format_is_a_usage_error_naming_the_formats(tmp_path: Path, portal) -> None:
    repo, base, _ = change(tmp_path, {})
    result = portal("check", "--repo", repo, "--base", base, "--format", "checkstyle")
    assert (result.code, result.out) == (2, "")
    assert "invalid choice: 'checkstyle'" in result.err
    assert "'sarif', 'junit', 'github', 'gitlab'" in result.err
    assert "Traceback" not in result.err


def test_output_into_a_missing_folder_is_a_usage_error(tmp_path: Path, portal) -> None:
    repo, base, _ = change(tmp_path, {})
    result = portal("check", "--repo", repo, "--base", base, "--output", tmp_path / "no" / "such" / "dir" / "r.txt")
    assert result.code == 2
    assert result.err.startswith("portal: error: --output ")
    assert "Traceback" not in result.err


def test_an_unknown_base_is_a_usage_error(tmp_path: Path, portal) -> None:
    repo, _, _ = change(tmp_path, {})
    result = portal("check", "--repo", repo, "--base", "origin/nope")
    assert result.code == 2
    assert "origin/nope" in result.err
    assert result.out == ""


def test_an_unknown_head_is_a_usage_error(tmp_path: Path, portal) -> None:
    repo, base, _ = change(tmp_path, {})
    result = portal("check", "--repo", repo, "--base", base, "--head", "feature/missing")
    assert result.code == 2
    assert "feature/missing" in result.err


def test_a_folder_that_is_not_a_repository_is_a_usage_error(tmp_path: Path, portal) -> None:
    (tmp_path / "plain").mkdir()
    result = portal("check", "--repo", tmp_path / "plain", "--base", "main")
    assert result.code == 2
    assert result.err.startswith("portal: error: ")


def test_base_is_required(portal) -> None:
    result = portal("check")
    assert result.code == 2
    assert "--base" in result.err


def test_help_names_every_option(portal) -> None:
    result = portal("check", "--help")
    assert result.code == 0
    for option in (
        "--base",
        "--head",
        "--repo",
        "--actor",
        "--actor-login",
        "--reviews",
        "--format",
        "--output",
        "--live",
        "--kubeconfig",
        "--strict",
        "--no-tests",
    ):
        assert option in result.out
    assert "{text,markdown,json,sarif,junit,github,gitlab}" in result.out
