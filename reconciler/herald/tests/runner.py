"""A pipeline's tests run on the simulator, judged as `vector test` judges them (src/config/unit_test): events go
in at transforms (`insert_at`); each output's conditions must each hold for at least one event extracted there;
`no_outputs_from` outputs must stay empty."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.herald.catalog import Catalog
from reconciler.herald.simulate.conditions import Verdicts, describe, judge_all
from reconciler.herald.simulate.events import Event
from reconciler.herald.simulate.graph import PipelineGraph, Run
from reconciler.herald.simulate.vrl_runtime import Unrunnable
from reconciler.herald.tests.definitions import FieldsCondition, TestCase, TestOutput, read_test_cases
from reconciler.herald.tests.results import Status, TestResult, Verdict
from reconciler.herald.topology import output_label
from reconciler.model import JsonPath
from reconciler.model.kinds import Pipeline
from reconciler.model.suggestions import did_you_mean


class _Problem(Exception):
    """A test that cannot be built as written: at `path`."""

    def __init__(self, message: str, path: JsonPath) -> None:
        super().__init__(message)
        self.path = path


def _events_json(events: Sequence[Event]) -> str:
    return " ".join(e.json_text() for e in events) or "none"


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
    ports = [output_label(cid, output) for cid in transforms for output in graph.ports[cid]]
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


def _describe(condition: Any) -> str:
    if isinstance(condition, FieldsCondition):
        return "fields " + json.dumps(condition.fields, sort_keys=True, default=str)
    return describe(condition)


ConditionKey = tuple[int, int, int]  # (test, output, condition) by index


def _judge_conditions(checked: Mapping[int, tuple[TestCase, Run]]) -> dict[ConditionKey, Verdicts | Unrunnable]:
    """Every condition of every test on the events extracted for it, the VRL ones in one call to the runtime."""
    judged: dict[ConditionKey, Verdicts | Unrunnable] = {}
    keys: list[ConditionKey] = []
    jobs: list[tuple[Any, Sequence[Event]]] = []
    for test, (case, run) in checked.items():
        for index, output in enumerate(case.outputs):
            events = _extracted(run, output.extract_from)
            for number, condition in enumerate(output.conditions if events else ()):
                if isinstance(condition, FieldsCondition):
                    judged[(test, index, number)] = _fields_failures(condition, events)
                else:
                    keys.append((test, index, number))
                    jobs.append((condition, events))
    judged.update(zip(keys, judge_all(jobs), strict=True))
    return judged


def _output_errors(output: TestOutput, events: Sequence[Event], verdicts: Sequence[Verdicts | Unrunnable]) -> list[str]:
    """`verdicts`: each condition's, on `events`. Raises `Unrunnable` for a condition not judged here."""
    names = list(output.extract_from)
    errors: list[str] = []
    expected = output.expected_event_count
    if expected is not None and len(events) != expected:
        errors.append(f"expected {expected} events from {names}, but received {len(events)}")
    if not events:
        if expected != 0:
            errors.append(f"checks for {names} failed: no events received")
        return errors
    for index, (condition, reasons) in enumerate(zip(output.conditions, verdicts, strict=True)):
        if isinstance(reasons, Unrunnable):
            raise reasons
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


def _verdict(
    test: int, case: TestCase, run: Run, judged: Mapping[ConditionKey, Verdicts | Unrunnable]
) -> tuple[Status, str]:
    errors: list[str] = []
    try:
        for index, output in enumerate(case.outputs):
            verdicts = [judged.get((test, index, n), []) for n in range(len(output.conditions))]
            errors += _output_errors(output, _extracted(run, output.extract_from), verdicts)
    except Unrunnable as exc:
        if exc.invalid:  # `vector test` would refuse to build the test
            return "failed", f"a condition does not compile: {str(exc).removeprefix('its VRL does not compile: ')}"
        return "not run", f"a condition cannot be judged here: {exc}"
    for name in case.no_outputs_from:
        events = _extracted(run, [name])
        if events:
            errors.append(f"expected no outputs from `{name}`, received {len(events)}: {_events_json(events)}")
    return ("failed", "; ".join(errors)) if errors else ("passed", "")


def pipeline_verdicts(pipeline: Pipeline, catalog: Catalog | None = None) -> list[Verdict]:
    """Every test's verdict, in order; all tests go through the simulator together."""
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
    crossed = {i: _unsimulated(run, cases[i]) for i, run in by_case.items()}
    judged = _judge_conditions({i: (cases[i], run) for i, run in by_case.items() if not crossed[i]})
    verdicts = []
    for index, case in enumerate(cases):
        problem = problems.get(index)
        status: Status
        if problem is not None:
            status, reason, path = "failed", str(problem), problem.path
        elif crossed[index]:
            status, reason, path = "not run", "; ".join(crossed[index]), case.path
        else:
            (status, reason), path = _verdict(index, case, by_case[index], judged), case.path
        verdicts.append(Verdict(case.name, status, reason, path))
    return verdicts


def run_pipeline_tests(pipeline: Pipeline, catalog: Catalog | None = None) -> list[TestResult]:
    """Every test of the pipeline's `spec.tests`, in order, with its verdict and place: a pure function of the
    pipeline (what `portal pipeline test`, `validate` and `check` report)."""
    return [verdict.located(pipeline) for verdict in pipeline_verdicts(pipeline, catalog)]
