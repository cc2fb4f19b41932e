"""A Pipeline's `spec.tests` read into test cases: Vector's unit-test format, and the short form the starter
repo uses (`input: {into, log|metric}`, `expect: {from, fields}`), which means the same."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from reconciler.herald.simulate.events import Event
from reconciler.herald.simulate.values import Timestamp
from reconciler.herald.simulate.vrl_runtime import Unrunnable, run
from reconciler.model import JsonPath
from reconciler.model.kinds import Pipeline

_PATH_PART = re.compile(r'"((?:[^"\\]|\\.)*)"|([^.]+)')


@dataclass(frozen=True, slots=True)
class FieldsCondition:
    """The short form's `expect.fields`: each field has this value."""

    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TestInput:
    __test__: ClassVar[bool] = False  # not a pytest class

    insert_at: str
    target_key: str  # where `insert_at` is written: `insert_at`, or the short form's `into`
    event: Event | None  # None when it could not be made (see `problem`)
    problem: str | None
    path: JsonPath


@dataclass(frozen=True, slots=True)
class TestOutput:
    __test__: ClassVar[bool] = False  # not a pytest class

    extract_from: tuple[str, ...]
    conditions: tuple[Any, ...]
    expected_event_count: int | None
    path: JsonPath


@dataclass(frozen=True, slots=True)
class TestCase:
    __test__: ClassVar[bool] = False  # not a pytest class

    name: str
    path: JsonPath  # spec.tests[i]
    inputs: tuple[TestInput, ...]
    outputs: tuple[TestOutput, ...]
    no_outputs_from: tuple[str, ...]


def _now() -> Timestamp:
    """The time now, as Vector stamps a log input; or SOURCE_DATE_EPOCH's (seconds since 1970) when it is set, so
    that a report quoting the events a test saw is reproducible (its findings' GitLab fingerprints too)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    return Timestamp(moment.isoformat().replace("+00:00", "Z"))


def _insert(fields: dict[str, Any], path: str, value: Any) -> None:
    """As Vector's `log_fields` keys are read: a path, `a.b` nested, `"a.b"` one key."""
    parts = [quoted if quoted else plain for quoted, plain in _PATH_PART.findall(path)] or [path]
    holder = fields
    for part in parts[:-1]:
        nested = holder.get(part)
        if not isinstance(nested, dict):
            nested = holder[part] = {}
        holder = nested
    holder[parts[-1]] = value


def _legacy_log(message: str) -> dict[str, Any]:
    """Vector's `LogEvent::from_str_legacy`: every log input starts with a `message` and the time now."""
    return {"message": message, "timestamp": _now()}


def _vector_input(spec: Mapping[str, Any], path: JsonPath) -> TestInput:
    insert_at = str(spec.get("insert_at", ""))
    kind = spec.get("type", "raw")
    event: Event | None = None
    problem: str | None = None
    if kind == "raw":
        value = spec.get("value")
        if isinstance(value, str):
            event = Event("log", _legacy_log(value))
        else:
            problem = "input type 'raw' requires the field 'value'"
    elif kind == "log":
        log_fields = spec.get("log_fields")
        if isinstance(log_fields, Mapping):
            fields = _legacy_log("")
            for key, value in log_fields.items():
                _insert(fields, str(key), value)
            event = Event("log", fields)
        else:
            problem = "input type 'log' requires the field 'log_fields'"
    elif kind == "metric":
        metric = spec.get("metric")
        if isinstance(metric, Mapping):
            event = Event("metric", dict(metric))
        else:
            problem = "input type 'metric' requires the field 'metric'"
    elif kind == "vrl":
        source = spec.get("source")
        if isinstance(source, str):
            event, problem = _vrl_input(source)
        else:
            problem = "input type 'vrl' requires the field 'source'"
    else:
        problem = f"unrecognized input type '{kind}', expected one of: 'raw', 'log', 'metric' or 'vrl'"
    return TestInput(insert_at, "insert_at", event, problem, path)


def _vrl_input(source: str) -> tuple[Event | None, str | None]:
    """The log a `vrl` input's program makes from an empty event."""
    try:
        (outcome,) = run(source, [({}, {})])
    except Unrunnable as exc:
        return None, f"input type 'vrl': {exc}"
    if not outcome.ok or not isinstance(outcome.event, Mapping):
        return None, f"input type 'vrl': {outcome.error or outcome.aborted or 'the program made no object'}"
    return Event("log", outcome.event, outcome.metadata), None


def _short_input(spec: Mapping[str, Any], path: JsonPath) -> TestInput:
    into = str(spec.get("into", ""))
    if isinstance(spec.get("metric"), Mapping):
        return TestInput(into, "into", Event("metric", dict(spec["metric"])), None, path)
    fields = _legacy_log("")
    fields.update(spec.get("log") or {})
    return TestInput(into, "into", Event("log", fields), None, path)


def _extract_from(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def read_test_case(spec: Mapping[str, Any], path: JsonPath) -> TestCase:
    inputs: list[TestInput] = []
    outputs: list[TestOutput] = []
    single = spec.get("input")
    if isinstance(single, Mapping):
        make = _short_input if "into" in single else _vector_input
        inputs.append(make(single, (*path, "input")))
    for index, item in enumerate(spec.get("inputs") or []):
        if isinstance(item, Mapping):
            inputs.append(_vector_input(item, (*path, "inputs", index)))
    expect = spec.get("expect")
    if isinstance(expect, Mapping):
        fields = expect.get("fields")
        conditions = (FieldsCondition(fields),) if isinstance(fields, Mapping) and fields else ()
        outputs.append(TestOutput(_extract_from(expect.get("from")), conditions, None, (*path, "expect")))
    for index, item in enumerate(spec.get("outputs") or []):
        if isinstance(item, Mapping):
            count = item.get("expected_event_count")
            outputs.append(
                TestOutput(
                    _extract_from(item.get("extract_from")),
                    tuple(item.get("conditions") or ()),
                    count if isinstance(count, int) else None,
                    (*path, "outputs", index),
                )
            )
    no_outputs = spec.get("no_outputs_from") or []
    return TestCase(
        str(spec.get("name", "")),
        path,
        tuple(inputs),
        tuple(outputs),
        tuple(str(v) for v in no_outputs) if isinstance(no_outputs, Sequence) else (),
    )


def read_test_cases(pipeline: Pipeline) -> list[TestCase]:
    return [
        read_test_case(spec, ("spec", "tests", index))
        for index, spec in enumerate(pipeline.tests)
        if isinstance(spec, Mapping)
    ]
