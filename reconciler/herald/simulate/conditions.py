"""Vector's conditions (`filter`, `route`, `exclude`, test `conditions`) judged on events, as Vector's
`check_with_context` judges them: a VRL condition passes when it resolves to `true`; an error, an abort, `false`
or another value fails it, with the reason."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from reconciler.herald.simulate.events import Event
from reconciler.herald.simulate.vrl_runtime import Job, Outcome, Unrunnable, judge
from reconciler.herald.vrl import code_only, condition_program

_KIND_CONDITIONS = {"is_log": "log", "is_metric": "metric", "is_trace": "trace"}


# An assignment operator (`=`, `|=`), not a comparison (`==`, `!=`, `<=`, `>=`) nor `=~`.
_ASSIGNMENT = re.compile(r"(?<![=!<>|])\|?=(?![=~])")
_DELETES = re.compile(r"\bdel\s*\(\s*[.%]")


def _changes_the_event(program: str) -> bool:
    """Whether the program assigns to, or deletes, a path of the event or its metadata."""
    code = code_only(program)
    for match in _ASSIGNMENT.finditer(code):
        start = max(code.rfind(c, 0, match.start()) for c in "\n;{}") + 1
        target = code[start : match.start()].strip()
        if target.startswith((".", "%")) or re.search(r",\s*[.%]", target):
            return True
    return bool(_DELETES.search(code))


@lru_cache(maxsize=4096)
def condition_problem(program: str) -> str | None:
    """Why Vector refuses to build a VRL condition that compiles on its own: conditions are compiled read-only,
    and must resolve to a boolean (src/conditions/vrl.rs)."""
    if _changes_the_event(program):
        return "a condition cannot change the event (Vector compiles conditions read-only)"
    import vector_vrl

    wrapped = f"__portal_c = {{\n{program}\n}}\nif __portal_c {{ true }} else {{ false }}"
    if vector_vrl.validate_vrl(wrapped).error == "non-boolean predicate":
        return "VRL conditions must return a boolean"
    return None


def describe(condition: Any) -> str:
    """How a report names a condition: its VRL, or its type."""
    program = condition_program(condition)
    if program is not None:
        return program.strip()
    if isinstance(condition, Mapping):
        return f"type: {condition.get('type')}"
    return repr(condition)


Verdicts = list[str | None]  # per event: None when the condition passes, else why it fails


def judge_all(jobs: Sequence[tuple[Any, Sequence[Event]]]) -> list[Verdicts | Unrunnable]:
    """Each condition's verdicts on its events, the VRL ones judged in one call to the runtime. A condition that
    cannot be judged here (`datadog_search`, VRL the runtime cannot compile) gets `Unrunnable`."""
    results: list[Verdicts | Unrunnable | None] = []
    vrl_jobs: list[Job] = []
    for condition, events in jobs:
        program = condition_program(condition)
        problem = condition_problem(program) if program is not None and events else None
        if problem is not None:
            results.append(Unrunnable(problem, invalid=True))
            continue
        if program is not None:
            vrl_jobs.append((program, [(e.vrl_view(), e.metadata) for e in events]))
            results.append(None)
            continue
        kind = _KIND_CONDITIONS.get(condition.get("type")) if isinstance(condition, Mapping) else None
        if kind is None:
            name = condition.get("type") if isinstance(condition, Mapping) else condition
            results.append(Unrunnable(f"conditions of type `{name}` are not simulated"))
        else:
            results.append([None if e.kind == kind else f"event is not a {kind}" for e in events])
    judged = iter(judge(vrl_jobs))
    return [r if r is not None else _verdicts(next(judged)) for r in results]


def _verdicts(outcomes: list[Outcome] | Unrunnable) -> Verdicts | Unrunnable:
    if isinstance(outcomes, Unrunnable):
        return outcomes
    return [_verdict(o.result, o.error, o.aborted) for o in outcomes]


def failures(condition: Any, events: Sequence[Event]) -> Verdicts:
    """One condition's verdicts; raises `Unrunnable` when it cannot be judged here."""
    (verdicts,) = judge_all([(condition, events)])
    if isinstance(verdicts, Unrunnable):
        raise verdicts
    return verdicts


def _verdict(result: Any, error: str | None, aborted: str | None) -> str | None:
    if error is not None:
        return f"source execution failed: {error}"
    if aborted is not None:
        return f"source execution aborted: {aborted}"
    if result is True:
        return None
    if result is False:
        return "source execution resolved to false"
    return "source execution resolved to a non-boolean value"


def passing(condition: Any, events: Sequence[Event]) -> list[bool]:
    return [reason is None for reason in failures(condition, events)]
