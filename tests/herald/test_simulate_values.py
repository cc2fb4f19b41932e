"""Values keep their VRL types through the runtime: timestamps (with nanoseconds) and regexes, nested in objects
and arrays, in the event and in its metadata; and the runtime's own errors reach the user at their place."""

from __future__ import annotations

import pytest

from reconciler.herald.simulate.values import Regex, Timestamp, to_json
from reconciler.herald.simulate.vrl_runtime import Unrunnable, run
from reconciler.herald.tests import run_pipeline_tests
from tests.herald.simulation import pipeline_of

STAMP = Timestamp("2024-05-06T07:08:09.123456789Z")


def test_timestamps_and_regexes_keep_their_types_at_any_depth() -> None:
    event = {"at": STAMP, "nested": {"list": [1, STAMP, {"re": Regex("a+b")}]}, "text": "2024-05-06T07:08:09Z"}
    program = """
        .checks = [is_timestamp(.at), is_timestamp(.nested.list[1]), is_string(.text), is_timestamp(%seen)]
        .matched = match("xaab", .nested.list[2].re) ?? "not a regex"
        .later = .at
        %seen = .at
    """
    (outcome,) = run(program, [(event, {"seen": STAMP})])
    assert outcome.ok, outcome
    assert outcome.event["checks"] == [True, True, True, True]
    assert outcome.event["matched"] is True
    assert outcome.event["later"] == STAMP and outcome.event["nested"]["list"][2]["re"] == Regex("a+b")
    assert outcome.metadata == {"seen": STAMP}
    assert to_json(outcome.event)["later"] == "2024-05-06T07:08:09.123456789Z"


def test_times_written_in_a_test_stay_text_as_vector_reads_them() -> None:
    """Vector's YAML has no timestamp type: `at: 2024-01-02T03:04:05Z` in `log_fields` is a string there too."""
    config = {
        "transforms": {"t": {"type": "remap", "inputs": [], "source": ".text = is_string(.at)"}},
        "tests": [
            {
                "name": "text",
                "inputs": [{"insert_at": "t", "type": "log", "log_fields": {"at": "2024-01-02T03:04:05Z"}}],
                "outputs": [{"extract_from": "t", "conditions": [".text == true"]}],
            }
        ],
    }
    assert [r.status for r in run_pipeline_tests(pipeline_of(config))] == ["passed"]


def test_runtime_errors_point_into_the_users_program() -> None:
    (outcome,) = run(".n = to_int!(.text)", [({"text": "x"}, {})])
    assert outcome.error is not None and 'function call error for "to_int" at (5:19)' in outcome.error
    (aborted,) = run('abort "no thanks"', [({}, {})])
    assert aborted.aborted == "no thanks"


def test_a_program_the_runtime_cannot_compile_says_why() -> None:
    with pytest.raises(Unrunnable, match="its VRL does not compile: call to undefined function `nope`"):
        run(".a = nope()", [({}, {})])
