"""VRL programs and conditions run by `vector-vrl`'s runtime (`execute_vrl`), every event of a batch in one call.

The runtime compiles the program on each call, which costs far more than running it, so a component's events
from every test of a pipeline go through in one call. Each program is wrapped in the prologue and epilogue of
`values`, which carry typed values in and out; the runtime's offsets in messages are shifted back to the
user's program.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from reconciler.herald.simulate.values import Encoder, decode, epilogue

_OFFSETS = re.compile(r"at \((\d+):(\d+)\)")
_OUTPUT = "@portal"
_RESULT = "@portal_result"  # a condition's value: a boolean comes back as it is


class Unrunnable(Exception):
    """The program cannot run here (the runtime cannot compile it): the step is not simulated. `invalid`: it
    would not compile for Vector either."""

    def __init__(self, message: str, invalid: bool = False) -> None:
        super().__init__(message)
        self.invalid = invalid


@dataclass(frozen=True, slots=True)
class Outcome:
    """One event after a program: its new value (an object, or an array of them) and metadata, the program's
    value, or why it stopped."""

    event: Any = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    result: Any = None
    error: str | None = None  # a runtime error
    aborted: str | None = None  # `abort`'s message

    @property
    def ok(self) -> bool:
        return self.error is None and self.aborted is None


def _shifted(message: str, by: int) -> str:
    def shift(match: re.Match[str]) -> str:
        start, end = int(match.group(1)) - by, int(match.group(2)) - by
        return f"at ({start}:{end})" if start >= 0 else match.group(0)

    return _OFFSETS.sub(shift, message)


@lru_cache(maxsize=1024)
def _why_not(program: str) -> Unrunnable:
    from reconciler.herald.vrl import judge

    problem = judge(program)
    if problem is None or not problem.message:
        return Unrunnable("the VRL runtime used here cannot compile it")
    lacking = re.match(r"not fully checked here: (calls .*?), which", problem.message)
    if lacking:  # functions Vector has and the wheel lacks
        return Unrunnable(f"its VRL {lacking.group(1)}, which the VRL runtime used here lacks")
    return Unrunnable(f"its VRL does not compile: {problem.message}", invalid=problem.is_error)


def _inputs(events: Sequence[tuple[Any, Mapping[str, Any]]], cases: Sequence[int]) -> tuple[list[str], str]:
    """The runtime's input data and the prologue that reads it."""
    encoder = Encoder()
    data = [
        json.dumps({"event": encoder.encode(e, "."), "metadata": encoder.encode(dict(m), "%"), "case": case})
        for (e, m), case in zip(events, cases, strict=True)
    ]
    return data, encoder.prologue(metadata=any(m for _, m in events))


def _outcome(item: Mapping[str, Any], shift: int | None) -> Outcome:
    """What the runtime returned for one event; `shift`: how far the user's program is into what ran (None:
    one of several programs, whose offsets mean nothing to the user, so they are left out)."""
    if _OUTPUT in item:
        out = decode(json.loads(item[_OUTPUT]))
        return Outcome(out["event"], out["metadata"])
    if _RESULT in item:
        return Outcome(result=item[_RESULT])
    error = str(item.get("error", "failed"))
    message = _OFFSETS.sub("", error).replace("  ", " ") if shift is None else _shifted(error, shift)
    if message.startswith("VRL aborted: "):
        return Outcome(aborted=message.removeprefix("VRL aborted: "))
    return Outcome(error=message.removeprefix("VRL error: "))


def run(program: str, events: Sequence[tuple[Any, Mapping[str, Any]]]) -> list[Outcome]:
    """Each (event, metadata) through `program`: the event and metadata it leaves, or why it stopped."""
    if not events:
        return []
    if "enrichment_table" in program:
        raise Unrunnable("it reads enrichment tables, whose rows are not loaded here")
    import vector_vrl

    data, head = _inputs(events, [0] * len(events))
    try:
        raw = vector_vrl.execute_vrl(head + program + epilogue(), data)
    except ValueError as exc:
        raise _why_not(program) from exc
    return [_outcome(item, len(head)) for item in raw]


Job = tuple[str, Sequence[tuple[Any, Mapping[str, Any]]]]  # a condition and the events it judges


def judge(jobs: Sequence[Job]) -> list[list[Outcome] | Unrunnable]:
    """Each condition's value on each of its events (`Outcome.result`), all in one call to the runtime: a case
    per distinct condition, chosen by the event's `case`. When the conditions do not compile together, each is
    compiled alone, so one the runtime cannot compile spoils only its own jobs."""
    programs = list(dict.fromkeys(program for program, events in jobs if events))
    if not programs:
        return [[] for _ in jobs]
    if len(programs) > 1:
        try:
            return list(_judge_together(jobs, programs))
        except Unrunnable:
            pass
    results: list[list[Outcome] | Unrunnable] = []
    for program, events in jobs:
        try:
            results.append(_judge_together([(program, events)], [program])[0] if events else [])
        except Unrunnable as exc:
            results.append(exc)
    return results


def _judge_together(jobs: Sequence[Job], programs: list[str]) -> list[list[Outcome]]:
    if any("enrichment_table" in p for p in programs):
        raise Unrunnable("it reads enrichment tables, whose rows are not loaded here")
    import vector_vrl

    case_of = {program: case for case, program in enumerate(programs)}
    events = [event for _, job_events in jobs for event in job_events]
    cases = [case_of[program] for program, job_events in jobs for _ in job_events]
    data, head = _inputs(events, cases)
    branches = " else ".join(f"if __portal_case == {case} {{\n{program}\n}}" for case, program in enumerate(programs))
    single = len(programs) == 1
    body = head + (
        f"__portal_result = {{\n{programs[0]}\n}}" if single else f"__portal_result = {branches} else {{ null }}"
    )
    try:
        raw = vector_vrl.execute_vrl(body + f'\n. = {{"{_RESULT}": __portal_result}}\n', data)
    except ValueError as exc:
        raise _why_not(programs[0]) if single else Unrunnable("the conditions do not compile together") from exc
    shift = len(head) + len("__portal_result = {\n") if single else None
    outcomes = iter(_outcome(item, shift) for item in raw)
    return [[next(outcomes) for _ in job_events] for _, job_events in jobs]
