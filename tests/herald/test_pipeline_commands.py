"""`portal pipeline test`, `portal pipeline preview`, and the tests `validate` runs (and remembers)."""

from __future__ import annotations

import json
import marshal
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.herald.tests import runner as test_runner
from tests.conftest import PortalRun, write_files
from tests.herald.builders import APP_LOGS, APP_LOGS_TESTS, line_of, repo_files

WITH_TESTS = APP_LOGS + APP_LOGS_TESTS
FAILING = WITH_TESTS.replace("fields: {level: error, msg: boom}", "fields: {level: error, msg: bang}")

Portal = Callable[..., PortalRun]


def repo(tmp_path: Path, text: str) -> Path:
    return write_files(tmp_path / "repo", repo_files(("app-logs", text)))


def test_pipeline_test_prints_a_line_per_test_and_the_counts(tmp_path: Path, portal: Portal) -> None:
    passing = portal("pipeline", "test", repo(tmp_path, WITH_TESTS))
    assert (passing.code, passing.lines) == (
        0,
        ["PASS app-logs/errors are routed", "PASS app-logs/the rest is unmatched", "2 passed, 0 failed"],
    )
    failing = portal("pipeline", "test", repo(tmp_path, FAILING))
    assert failing.code == 1
    assert failing.lines[0].startswith(
        'FAIL app-logs/errors are routed: condition[0] `fields {"level": "error", "msg": "bang"}` failed: '
        'field `msg` is "boom", expected "bang"; events from [\'by_level.errors\']: {'
    )
    assert failing.lines[1:] == ["PASS app-logs/the rest is unmatched", "1 passed, 1 failed"]


def test_validate_reports_a_failing_test_at_the_test(tmp_path: Path, portal: Portal) -> None:
    root = repo(tmp_path, FAILING)
    validated = portal("validate", root)
    line = line_of(FAILING, "- name: errors are routed")
    assert validated.code == 1
    assert validated.lines[0].startswith(
        f"pipelines/app-logs.yaml:{line}:7: error: Pipeline/app-logs: test 'errors are routed' fails: condition[0]"
    )
    assert len(validated.lines) == 1
    assert portal("validate", root, "--no-tests").code == 0


def test_source_date_epoch_sets_the_time_a_failing_tests_events_show(
    tmp_path: Path, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So that a report quoting them is reproducible; without it, they show the time now, as in Vector."""
    root = repo(tmp_path, FAILING)
    assert '"timestamp": "2026-01-01T00:00:00Z"' not in portal("validate", root).out
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    (tmp_path / ".portal-state").rename(tmp_path / "old-state")  # the remembered result holds the time it ran
    assert '"timestamp": "2026-01-01T00:00:00Z"}' in portal("validate", root).out


def test_validate_reports_a_test_naming_a_missing_component(tmp_path: Path, portal: Portal) -> None:
    text = WITH_TESTS.replace("insert_at: parse", "insert_at: prase")
    validated = portal("validate", repo(tmp_path, text))
    assert validated.code == 1
    assert validated.lines == [
        f"pipelines/app-logs.yaml:{line_of(text, 'insert_at: prase')}:11: error: Pipeline/app-logs: test "
        "'the rest is unmatched' fails: inputs[0]: unable to locate target transform 'prase'; did you mean 'parse'?"
    ]


def test_a_test_in_the_wrong_shape_is_a_schema_error_at_its_field(tmp_path: Path, portal: Portal) -> None:
    text = WITH_TESTS.replace("          type: log\n", "          type: logs\n").replace(
        "conditions: ['.level == \"info\"']", "conditon: ['.level == \"info\"']"
    )
    validated = portal("validate", repo(tmp_path, text))
    assert validated.code == 1
    assert validated.lines == [
        f"pipelines/app-logs.yaml:{line_of(text, 'type: logs')}:11: error: Pipeline/app-logs: "
        'spec.tests[1].inputs[0].type: "logs" is not one of "raw", "log" or 2 other candidates',
        f"pipelines/app-logs.yaml:{line_of(text, 'conditon:')}:11: error: Pipeline/app-logs: "
        "spec.tests[1].outputs[0].conditon: unknown field 'conditon'; did you mean 'conditions'?",
    ]


def test_results_are_remembered_by_what_decides_them(
    tmp_path: Path, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path, FAILING)
    first = portal("validate", root)
    calls: list[str] = []
    real = test_runner.pipeline_verdicts
    monkeypatch.setattr(test_runner, "pipeline_verdicts", lambda p, c=None: calls.append(p.name) or real(p, c))
    again = portal("validate", root)
    assert (again.code, again.out) == (first.code, first.out) and calls == []
    # A change to what the tests see (the route's condition) runs them again.
    (root / "pipelines/app-logs.yaml").write_text(FAILING.replace('== "error"', '== "fatal"'), encoding="utf-8")
    changed = portal("validate", root)
    assert calls == ["app-logs"] and "no events received" in changed.out
    (remembered,) = (tmp_path / ".portal-state" / "cache").glob("pipeline-tests-*.marshal")
    assert len(marshal.loads(remembered.read_bytes())) == 1  # the results of the old text are not kept


def test_preview_shows_every_step_and_what_reaches_each_sink(tmp_path: Path, portal: Portal) -> None:
    root = repo(tmp_path, WITH_TESTS)
    shown = portal("pipeline", "preview", "app-logs", root, "--event", '{"message": "{\\"level\\":\\"error\\"}"}')
    assert shown.code == 0, shown.err
    assert shown.lines == [
        "transforms.parse (remap): 1 in",
        '  out {"level": "error", "message": "{\\"level\\":\\"error\\"}"}',
        "transforms.by_level (route): 1 in",
        '  errors {"level": "error", "message": "{\\"level\\":\\"error\\"}"}',
        "  _unmatched (none)",
        "sinks.loki_errors: 1 event(s)",
        '  {"level": "error", "message": "{\\"level\\":\\"error\\"}"}',
    ]
    as_json = json.loads(portal("pipeline", "preview", "app-logs", root, "--event", "plain", "--format", "json").out)
    assert as_json["sinks"] == {"sinks.loki_rest": [{"event": {"message": "plain"}, "not_simulated": []}]}
    assert [s["component"] for s in as_json["steps"]] == ["transforms.parse", "transforms.by_level"]


def test_preview_marks_what_is_not_simulated(tmp_path: Path, portal: Portal) -> None:
    text = APP_LOGS.replace("      inputs: [parse]\n", "      inputs: [merge]\n").replace(
        "    by_level:\n", "    merge:\n      type: reduce\n      inputs: [parse]\n    by_level:\n"
    )
    shown = portal("pipeline", "preview", "app-logs", repo(tmp_path, text), "--event", "x")
    assert shown.code == 0, shown.out + shown.err
    assert "transforms.merge (reduce): not simulated: `reduce` transforms are not simulated" in shown.lines
    assert shown.lines[-1] == '  {"message": "x"} (not simulated on its way)'
    as_json = json.loads(
        portal("pipeline", "preview", "app-logs", repo(tmp_path, text), "--event", "x", "--format", "json").out
    )
    assert as_json["sinks"]["sinks.loki_rest"] == [
        {
            "event": {"message": "x"},
            "not_simulated": ["transforms.merge is not simulated: `reduce` transforms are not simulated"],
        }
    ]


def test_preview_refuses_bad_input_with_its_place(tmp_path: Path, portal: Portal) -> None:
    root = repo(tmp_path, WITH_TESTS)
    bad = portal("pipeline", "preview", "app-logs", root, "--event", '{"message": ')
    assert bad.code == 2 and "--event[0]:1:12: not valid JSON" in bad.err and "Traceback" not in bad.err
    (tmp_path / "events.jsonl").write_text('{"a": 1}\n{"b": \n', encoding="utf-8")
    bad_file = portal("pipeline", "preview", "app-logs", root, "--input", tmp_path / "events.jsonl")
    assert bad_file.code == 2 and f"{tmp_path / 'events.jsonl'}:2:1:" in bad_file.err
    unknown = portal("pipeline", "preview", "app-log", root, "--event", "x")
    assert unknown.code == 2 and "did you mean 'app-logs'" in unknown.err


# A stand-in for the vector binary: `validate` accepts everything; `test` fails a config with a test named
# "… differs in vector", and refuses tests not in Vector's own format (the short form must be written as Vector's).
FAKE_VECTOR = """#!/bin/sh
[ "$1" = validate ] && exit 0
[ "$1" = test ] || exit 2
grep -q "into:" "$2" && { echo "unknown field into"; exit 78; }
grep -q "insert_at: parse" "$2" || exit 2
grep -q 'assert_eq!(."msg", "boom")' "$2" || exit 2
if grep -q "differs in vector" "$2"; then echo "test differs in vector ... failed"; echo "  check[0] failed"; exit 1; fi
echo "test errors are routed ... passed"
"""


def test_validate_vector_runs_vector_test_on_the_pipelines_tests(
    tmp_path: Path, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path / "bin", {"vector": FAKE_VECTOR})
    (tmp_path / "bin" / "vector").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    assert portal("validate", "--vector", repo(tmp_path, WITH_TESTS)).code == 0
    text = WITH_TESTS.replace("name: the rest is unmatched", "name: differs in vector")
    failed = portal("validate", "--vector", repo(tmp_path, text))
    assert failed.code == 1
    assert failed.lines == [
        f"pipelines/app-logs.yaml:{line_of(text, '  tests:')}:3: error: Pipeline/app-logs: vector test fails: "
        "test differs in vector ... failed; check[0] failed"
    ]
    assert portal("validate", "--vector", "--no-tests", repo(tmp_path, text)).code == 0


def test_pipeline_test_names_a_pipeline_it_cannot_test(tmp_path: Path, portal: Portal) -> None:
    text = WITH_TESTS.replace("type: route", "type: rout")
    broken = portal("pipeline", "test", repo(tmp_path, text))
    assert broken.code == 1
    assert broken.lines == ["FAIL app-logs: not tested: the pipeline has errors", "0 passed, 1 failed"]
    assert "unknown transform type `rout`" in broken.err
    only = portal("pipeline", "test", repo(tmp_path, WITH_TESTS), "--pipeline", "app-logs")
    assert only.code == 0 and only.lines[-1] == "2 passed, 0 failed"
    not_shown = portal("pipeline", "preview", "app-logs", repo(tmp_path, text), "--event", "x")
    assert (not_shown.code, not_shown.out) == (1, "") and "unknown transform type `rout`" in not_shown.err
    unknown = portal("pipeline", "test", repo(tmp_path, WITH_TESTS), "--pipeline", "app-log")
    assert unknown.code == 2 and "no Pipeline 'app-log'; did you mean 'app-logs'?" in unknown.err
