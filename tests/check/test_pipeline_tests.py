"""`portal check` runs the pipelines' spec.tests of the head and of the base: a failing test of the head is an
error at the test, Herald's part lists every result and those that changed from the base, results are remembered
in the state dir for both commits, and --no-tests skips them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.herald.tests import runner as test_runner
from tests.check.builders import PIPELINE, PIPELINE_PATH, change
from tests.herald.builders import line_of

FAILING = PIPELINE.replace("msg: boom}}", "msg: nonsense}}")


def herald(result: Any) -> dict[str, Any]:
    return json.loads(result.out)["herald"]


def test_no_tests_skips_them_and_says_so(tmp_path: Path, portal) -> None:
    repo, base, _ = change(tmp_path, {PIPELINE_PATH: FAILING})
    skipped = portal("check", "--repo", repo, "--base", base, "--no-tests", "--format", "json")
    assert skipped.code == 0
    assert (herald(skipped)["testsRun"], herald(skipped)["tests"], json.loads(skipped.out)["findings"]) == (
        False,
        [],
        [],
    )
    text = portal("check", "--repo", repo, "--base", base, "--no-tests")
    assert "  pipeline tests: not run (--no-tests)" in text.lines
    junit = portal("check", "--repo", repo, "--base", base, "--no-tests", "--format", "junit")
    assert "pipeline-tests" not in junit.out


def test_a_failing_test_is_a_located_error_and_the_configs_are_still_compared(tmp_path: Path, portal) -> None:
    """A test judges what the pipeline compiles to; it does not stop the report from showing it."""
    failing = FAILING.replace("team=payments", "team=payments,tier=web")
    repo, base, _ = change(tmp_path, {PIPELINE_PATH: failing})
    result = portal("check", "--repo", repo, "--base", base, "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    (finding,) = report["findings"]
    assert (finding["rule"], finding["path"], finding["line"], finding["column"]) == (
        "pipeline-tests",
        PIPELINE_PATH,
        line_of(failing, "- name: errors are routed"),
        7,
    )
    assert finding["message"].startswith("test 'errors are routed' fails: condition[0]")
    assert report["notCompiled"] is None
    assert [c["path"] for c in herald(result)["configs"]] == [
        "pipelines/app-logs.vector.yaml",
        "clusters/dev-eu-1/vector-agent.yaml",
    ]


def test_a_test_the_change_fixes_is_noted_as_failed_on_the_base(tmp_path: Path, portal) -> None:
    repo, base, _ = change(tmp_path, {PIPELINE_PATH: PIPELINE}, base_edits={PIPELINE_PATH: FAILING})
    result = portal("check", "--repo", repo, "--base", base, "--format", "json")
    assert result.code == 0  # the base's failing test is not the change's error
    assert [(t["test"], t["status"], t["base"], t["changed"]) for t in herald(result)["tests"]] == [
        ("errors are routed", "passed", "failed", True),
        ("the rest is unmatched", "passed", "passed", False),
    ]
    text = portal("check", "--repo", repo, "--base", base)
    line = line_of(PIPELINE, "- name: errors are routed")
    assert f"    {PIPELINE_PATH}:{line}:7: PASS app-logs/errors are routed (failed on the base)" in text.lines, text.out


def test_a_new_test_has_no_base_result(tmp_path: Path, portal) -> None:
    renamed = PIPELINE.replace("name: errors are routed", "name: errors go to their own sink")
    repo, base, _ = change(tmp_path, {PIPELINE_PATH: renamed})
    tests = herald(portal("check", "--repo", repo, "--base", base, "--format", "json"))["tests"]
    assert [(t["test"], t["base"], t["changed"]) for t in tests] == [
        ("errors go to their own sink", None, False),
        ("the rest is unmatched", "passed", False),
    ]


def test_results_of_both_commits_are_remembered(tmp_path: Path, portal, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, base, _ = change(tmp_path, {PIPELINE_PATH: FAILING})
    first = portal("check", "--repo", repo, "--base", base)
    calls: list[str] = []
    real = test_runner.pipeline_verdicts
    monkeypatch.setattr(test_runner, "pipeline_verdicts", lambda p, c=None: calls.append(p.name) or real(p, c))
    again = portal("check", "--repo", repo, "--base", base)
    assert (again.code, again.out) == (first.code, first.out) == (1, first.out)
    assert calls == []  # neither the base's tests nor the head's ran again
