"""Tests that must fail, or cannot run here, say why: the condition that failed and the events seen, the field
that names a component that does not exist, the transform that is not simulated."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from reconciler.herald.tests import TestResult, run_pipeline_tests
from tests.herald.builders import line_of
from tests.herald.simulation import BEHAVIOR, pipeline_document, pipeline_of

ROUTES: dict[str, Any] = yaml.safe_load((BEHAVIOR / "filter_and_routes.yaml").read_text(encoding="utf-8"))
REMAP: dict[str, Any] = yaml.safe_load((BEHAVIOR / "remap.yaml").read_text(encoding="utf-8"))


def only(config: dict[str, Any], name: str, change: Any = None) -> dict[str, Any]:
    """The config with just the test `name`, changed by `change(test)`."""
    changed = copy.deepcopy(config)
    test = next(t for t in changed["tests"] if t["name"] == name)
    if change:
        change(test)
    changed["tests"] = [test]
    return changed


def result(config: dict[str, Any]) -> TestResult:
    (single,) = run_pipeline_tests(pipeline_of(config))
    return single


def test_a_wrong_expected_value_fails_naming_the_condition_and_the_event() -> None:
    def wrong(test: dict[str, Any]) -> None:
        test["outputs"][0]["conditions"] = ['assert_eq!(.level, "fatal")']

    failed = result(only(ROUTES, "filter keeps what the condition accepts", wrong))
    assert failed.status == "failed" and not failed.passed
    assert 'condition[0] `assert_eq!(.level, "fatal")` failed' in failed.reason
    assert 'assertion failed: "error" == "fatal"' in failed.reason
    assert '"level": "error"' in failed.reason  # the event seen


def test_a_condition_resolving_to_false_fails() -> None:
    def wrong(test: dict[str, Any]) -> None:
        test["outputs"][0]["conditions"] = ['.level == "info"']

    failed = result(only(ROUTES, "filter keeps what the condition accepts", wrong))
    assert "source execution resolved to false" in failed.reason


def test_a_timestamp_is_not_a_string_after_a_step() -> None:
    def wrong(test: dict[str, Any]) -> None:
        test["outputs"][0]["conditions"] = ["assert!(is_string(.at))"]

    assert result(only(REMAP, REMAP["tests"][0]["name"], wrong)).status == "failed"


def test_an_output_that_does_not_exist_is_an_error_at_its_field() -> None:
    def wrong(test: dict[str, Any]) -> None:
        test["outputs"][0]["extract_from"] = "by_level.eror"

    config = only(ROUTES, "route sends an event to every route it matches", wrong)
    failed = result(config)
    assert failed.status == "failed"
    assert failed.reason == (
        "extract_from `by_level.eror` is not an output of a transform in this pipeline; did you mean 'by_level.errors'?"
    )
    text = pipeline_document(config)
    assert (failed.location.line, failed.path[-1]) == (line_of(text, "extract_from: by_level.eror"), "extract_from")


def test_a_route_without_a_default_output_cannot_be_extracted_from() -> None:
    def wrong(test: dict[str, Any]) -> None:
        test["outputs"][0]["extract_from"] = "by_level"

    assert "`by_level` is not an output" in result(only(ROUTES, ROUTES["tests"][2]["name"], wrong)).reason


def test_inputs_go_into_transforms_that_exist() -> None:
    def into_source(test: dict[str, Any]) -> None:
        test["inputs"][0]["insert_at"] = "events"

    failed = result(only(ROUTES, "filter keeps what the condition accepts", into_source))
    assert failed.reason == "inputs[0]: unable to locate target transform 'events'"
    assert failed.path[-1] == "insert_at"


def test_no_outputs_from_an_output_that_emits_fails() -> None:
    def wrong(test: dict[str, Any]) -> None:
        test["no_outputs_from"] = ["by_level.errors"]
        test["outputs"] = test["outputs"][1:]

    failed = result(only(ROUTES, "route sends an event to every route it matches", wrong))
    assert failed.reason.startswith("expected no outputs from `by_level.errors`, received 1: {")


def test_no_outputs_from_a_missing_output_is_an_error() -> None:
    def wrong(test: dict[str, Any]) -> None:
        test["no_outputs_from"] = ["nowhere"]

    assert (
        "no_outputs_from `nowhere` is not an output" in result(only(ROUTES, ROUTES["tests"][1]["name"], wrong)).reason
    )


def test_an_event_count_and_an_empty_output_fail() -> None:
    def wrong(test: dict[str, Any]) -> None:
        test["outputs"][0]["expected_event_count"] = 2
        test["outputs"][1]["extract_from"] = "first_match.errors"
        test["outputs"][1]["expected_event_count"] = None
        test["inputs"] = test["inputs"][2:]

    failed = result(only(ROUTES, ROUTES["tests"][4]["name"], wrong))
    assert "expected 2 events from ['first_match.errors'], but received 0" in failed.reason
    assert "checks for ['first_match.errors'] failed: no events received" in failed.reason


def test_a_test_needs_inputs_and_outputs() -> None:
    def empty(test: dict[str, Any]) -> None:
        del test["outputs"]

    failed = result(only(ROUTES, ROUTES["tests"][0]["name"], empty))
    assert failed.reason == "unit test must contain at least one of `outputs` or `no_outputs_from`"


def test_an_unsimulated_transform_makes_the_test_not_run_with_the_reason() -> None:
    config = only(ROUTES, "filter keeps what the condition accepts")
    config["transforms"]["merge"] = {"type": "reduce", "inputs": ["only_errors"]}
    config["tests"][0]["outputs"][0]["extract_from"] = "merge"
    skipped = result(config)
    assert skipped.status == "not run"
    assert skipped.reason == "transforms.merge is not simulated: `reduce` transforms are not simulated"


def test_a_remap_the_runtime_cannot_compile_is_not_simulated() -> None:
    config = only(REMAP, "a runtime error forwards the original event")
    config["transforms"]["forwards_on_error"]["source"] = ".host = get_hostname!()"
    skipped = result(config)
    assert skipped.status == "not run"
    assert "calls `get_hostname`, which the VRL runtime used here lacks" in skipped.reason


def test_a_datadog_search_condition_is_not_run() -> None:
    def search(test: dict[str, Any]) -> None:
        test["outputs"][0]["conditions"] = [{"type": "datadog_search", "source": "@level:error"}]

    skipped = result(only(ROUTES, ROUTES["tests"][0]["name"], search))
    assert (skipped.status, skipped.reason) == (
        "not run",
        "a condition cannot be judged here: conditions of type `datadog_search` are not simulated",
    )


SHORT = """
transforms:
  parse:
    type: remap
    inputs: []
    source: . = merge(., object!(parse_json!(.message)))
  by_level:
    type: route
    inputs: [parse]
    route: {errors: '.level == "error"'}
tests:
  - name: short
    input: {into: parse, log: {message: '{"level":"error","msg":"boom"}'}}
    expect: {from: by_level.errors, fields: {level: error, msg: boom}}
  - name: vector
    inputs:
      - insert_at: parse
        type: log
        log_fields: {message: '{"level":"error","msg":"boom"}'}
    outputs:
      - extract_from: by_level.errors
        conditions:
          - type: vrl
            source: 'assert_eq!(.level, "error") && assert_eq!(.msg, "boom")'
"""


def test_the_short_form_means_the_same_as_vectors() -> None:
    config = yaml.safe_load(SHORT)
    assert [r.status for r in run_pipeline_tests(pipeline_of(config))] == ["passed", "passed"]
    config["tests"][0]["expect"]["fields"]["msg"] = "bang"
    config["tests"][1]["outputs"][0]["conditions"][0]["source"] = 'assert_eq!(.msg, "bang")'
    short, vector = run_pipeline_tests(pipeline_of(config))
    assert (short.status, vector.status) == ("failed", "failed")
    assert 'field `msg` is "boom", expected "bang"' in short.reason
    assert '"msg": "boom"' in short.reason and '"msg": "boom"' in vector.reason
    config["tests"][0]["expect"]["from"] = "by_level.warnings"
    assert "did you mean 'by_level.errors'" in run_pipeline_tests(pipeline_of(config))[0].reason


def test_a_condition_that_does_not_compile_fails_the_test() -> None:
    def broken(test: dict[str, Any]) -> None:
        test["outputs"][0]["conditions"] = [".level =="]

    failed = result(only(ROUTES, ROUTES["tests"][0]["name"], broken))
    assert (failed.status, failed.reason) == ("failed", "a condition does not compile: syntax error")


def test_input_problems_fail_the_test_with_vectors_words() -> None:
    def raw_without_value(test: dict[str, Any]) -> None:
        test["inputs"] = [{"insert_at": "only_errors", "type": "raw"}]

    def aborting_vrl(test: dict[str, Any]) -> None:
        test["inputs"] = [{"insert_at": "only_errors", "type": "vrl", "source": 'abort "no event"'}]

    name = ROUTES["tests"][0]["name"]
    assert result(only(ROUTES, name, raw_without_value)).reason == (
        "inputs[0]: input type 'raw' requires the field 'value'"
    )
    assert result(only(ROUTES, name, aborting_vrl)).reason == "inputs[0]: input type 'vrl': no event"


def test_conditions_vector_refuses_to_build_fail_the_test() -> None:
    """Vector compiles conditions read-only and wants a boolean (src/conditions/vrl.rs)."""
    name = ROUTES["tests"][0]["name"]
    for condition, reason in [
        (
            '.checked = true\n.level == "error"',
            "a condition cannot change the event (Vector compiles conditions read-only)",
        ),
        ("del(.level)\ntrue", "a condition cannot change the event (Vector compiles conditions read-only)"),
        (".level", "VRL conditions must return a boolean"),
    ]:

        def change(test: dict[str, Any], condition: str = condition) -> None:
            test["outputs"][0]["conditions"] = [condition]

        failed = result(only(ROUTES, name, change))
        assert (failed.status, failed.reason) == ("failed", f"a condition does not compile: {reason}"), condition
    for fine in ['x = .level\nx == "error"', '.level == "error" && .level != "x"', "exists(.level)"]:

        def keep(test: dict[str, Any], condition: str = fine) -> None:
            test["outputs"][0]["conditions"] = [condition]

        assert result(only(ROUTES, name, keep)).passed, fine


def test_a_transform_in_a_shape_vector_refuses_is_not_simulated_never_a_crash() -> None:
    """run_pipeline_tests is a pure function other reports call: a malformed transform is reported, not raised."""
    config = {
        "transforms": {
            "r": {"type": "route", "inputs": [], "route": ["not", "a", "mapping"]},
            "d": {"type": "dedupe", "inputs": [], "fields": "message"},
        },
        "tests": [
            {
                "name": "t",
                "inputs": [{"insert_at": "r", "value": "a"}, {"insert_at": "d", "value": "a"}],
                "outputs": [{"extract_from": "r._unmatched"}, {"extract_from": "d"}],
            }
        ],
    }
    (skipped,) = run_pipeline_tests(pipeline_of(config))
    assert skipped.status == "not run"
    assert skipped.reason == (
        "transforms.r is not simulated: its `route` is not a mapping of output names to conditions; "
        "transforms.d is not simulated: its `fields` is not a mapping"
    )
