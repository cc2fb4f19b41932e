"""A pipeline's tests run on the simulator, judged as `vector test` judges them (src/config/unit_test): events go
in at transforms (`insert_at`); each output's conditions must each hold for at least one event extracted there;
`no_outputs_from` outputs must stay empty."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from reconciler.herald.catalog import Catalog
from reconciler.herald.simulate.conditions import describe, failures
from reconciler.herald.simulate.events import Event
from reconciler.herald.simulate.graph import PipelineGraph, Run, port_label
from reconciler.herald.simulate.vrl_runtime import Unrunnable
from reconciler.herald.tests.definitions import FieldsCondition, TestCase, TestOutput, read_test_cases
from reconciler.model import JsonPath, Location
from reconciler.model.kinds import Pipeline
from reconciler.model.suggestions import did_you_mean

Status = Literal["passed", "failed", "not run"]


@dataclass(frozen=True, slots=True)
class TestResult:
    """One test's verdict. `reason` says why it failed or was not run ("" when it passed); `location` is the
    test in its file, or the exact field of a definition error (a component that does not exist)."""

    __test__: ClassVar[bool] = False  # not a pytest class

    pipeline: str
    test: str
    status: Status
    reason: str
    location: Location
    path: JsonPath = ()  # where `location` is, in the document (a cache re-locates results by it)

    @property
    def passed(self) -> bool:
        return self.status == "passed"


class _Problem(Exception):
    """A test that cannot be built as written: at `path`."""

    def __init__(self, message: str, path: JsonPath) -> None:
        super().__init__(message)
        self.path = path


def _events_json(events: Sequence[Event]) -> str:
    return " ".join(json.dumps(e.to_json(), sort_keys=True, default=str) for e in events) or "none"


def _check_references(case: TestCase, graph: PipelineGraph) -> None:
    """Vector's own refusals: inputs go into transforms; outputs are transforms' outputs that exist."""
    transforms = [cid for cid, c in graph.components.items() if c.kind == "transform"]
    if not case.inputs:
        raise _Problem("must specify at least one input", case.path)
    if not case.outputs and not case.no_outputs_from:
        raise _Problem("unit test must contain at least one of `outputs` or `no_outputs_from`", case.path)
    for index, given in enumerate(case.inputs):
        if given.insert_at not in transforms:
            raise _Problem(
                f"inputs[{index}]: unable to locate target transform '{given.insert_at}'"
                f"{did_you_mean(given.insert_at, transforms)}",
                (*given.path, given.target_key),
            )
        if given.problem is not None:
            raise _Problem(f"inputs[{index}]: {given.problem}", given.path)
    ports = [port_label((cid, output)) for cid in transforms for output in graph.ports[cid]]
    for output in case.outputs:
        for name in output.extract_from:
            if name not in ports:
                raise _Problem(
                    f"extract_from `{name}` is not an output of a transform in this pipeline"
                    f"{did_you_mean(name, ports)}",
                    (*output.path, "from" if output.path[-1] == "expect" else "extract_from"),
                )
            if name in case.no_outputs_from:
                raise _Problem(f"extract_from `{name}` is also listed in no_outputs_from", output.path)
    for index, name in enumerate(case.no_outputs_from):
        if name not in ports:
            raise _Problem(
                f"no_outputs_from `{name}` is not an output of a transform in this pipeline{did_you_mean(name, ports)}",
                (*case.path, "no_outputs_from", index),
            )


def _extracted(run: Run, names: Sequence[str]) -> list[Event]:
    events: list[Event] = []
    for name in names:
        cid, _, output = name.partition(".")
        events += run.outputs.get((cid, output or None), [])
    return events


def _fields_failures(condition: FieldsCondition, events: Sequence[Event]) -> list[str | None]:
    def verdict(event: Event) -> str | None:
        for key, expected in condition.fields.items():
            actual = event.fields.get(key)
            if actual != expected:
                shown = "missing" if key not in event.fields else json.dumps(actual, default=str)
                return f"field `{key}` is {shown}, expected {json.dumps(expected, default=str)}"
        return None

    return [verdict(e) for e in events]


def _condition_failures(condition: Any, events: Sequence[Event]) -> list[str | None]:
    if isinstance(condition, FieldsCondition):
        return _fields_failures(condition, events)
    return failures(condition, events)


def _describe(condition: Any) -> str:
    if isinstance(condition, FieldsCondition):
        return "fields " + json.dumps(condition.fields, sort_keys=True, default=str)
    return describe(condition)


def _output_errors(output: TestOutput, events: Sequence[Event]) -> list[str]:
    names = list(output.extract_from)
    errors: list[str] = []
    expected = output.expected_event_count
    if expected is not None and len(events) != expected:
        errors.append(f"expected {expected} events from {names}, but received {len(events)}")
    if not events:
        if expected != 0:
            errors.append(f"checks for {names} failed: no events received")
        return errors
    for index, condition in enumerate(output.conditions):
        reasons = _condition_failures(condition, events)
        if all(reason is not None for reason in reasons):  # a condition holds when one event satisfies it
            why = "; ".join(dict.fromkeys(r for r in reasons if r))
            errors.append(f"condition[{index}] `{_describe(condition)}` failed: {why}")
    if errors:
        errors.append(f"events from {names}: {_events_json(events)}")
    return errors


def _unsimulated(run: Run, case: TestCase) -> list[str]:
    """Why the events a test looks at are not what Vector would send (a transform on their way that is not
    simulated)."""
    names = [n for output in case.outputs for n in output.extract_from] + list(case.no_outputs_from)
    return list(dict.fromkeys(why for event in _extracted(run, names) for why in event.unsimulated))


def _verdict(case: TestCase, run: Run) -> tuple[Status, str]:
    crossed = _unsimulated(run, case)
    if crossed:
        return "not run", "; ".join(crossed)
    errors: list[str] = []
    try:
        for output in case.outputs:
            errors += _output_errors(output, _extracted(run, output.extract_from))
    except Unrunnable as exc:
        return "not run", f"a condition cannot be judged here: {exc}"
    for name in case.no_outputs_from:
        events = _extracted(run, [name])
        if events:
            errors.append(f"expected no outputs from `{name}`, received {len(events)}: {_events_json(events)}")
    return ("failed", "; ".join(errors)) if errors else ("passed", "")


def run_pipeline_tests(pipeline: Pipeline, catalog: Catalog | None = None) -> list[TestResult]:
    """Every test of the pipeline's `spec.tests`, in order, with its verdict: a pure function of the pipeline
    (what `portal pipeline test`, `validate` and `check` report). All tests go through the simulator together."""
    doc = pipeline.doc
    cases = read_test_cases(pipeline)
    if not cases:
        return []
    graph = PipelineGraph(pipeline, catalog)
    problems: dict[int, _Problem] = {}
    for index, case in enumerate(cases):
        try:
            _check_references(case, graph)
        except _Problem as problem:
            problems[index] = problem
    runnable = [i for i in range(len(cases)) if i not in problems]
    runs = graph.send(
        [[(given.insert_at, given.event) for given in cases[i].inputs if given.event is not None] for i in runnable]
    )
    by_case = dict(zip(runnable, runs, strict=True))
    results = []
    for index, case in enumerate(cases):
        problem = problems.get(index)
        if problem is not None:
            status: Status = "failed"
            reason, path = str(problem), problem.path
        else:
            (status, reason), path = _verdict(case, by_case[index]), case.path
        results.append(TestResult(pipeline.name, case.name, status, reason, doc.location(*path), path))
    return results
