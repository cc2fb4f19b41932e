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

from reconciler.herald.simulate.values import decode, encode, epilogue, prologue

_OFFSETS = re.compile(r"at \((\d+):(\d+)\)")
_OUTPUT = "@portal"


class Unrunnable(Exception):
    """The program cannot run here (the runtime cannot compile it): the step is not simulated."""


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
def _why_not(program: str) -> str:
    from reconciler.herald.vrl import judge

    problem = judge(program)
    if problem is None or not problem.message:
        return "the VRL runtime used here cannot compile it"
    lacking = re.match(r"not fully checked here: (calls .*?), which", problem.message)
    if lacking:  # functions Vector has and the wheel lacks
        return f"its VRL {lacking.group(1)}, which the VRL runtime used here lacks"
    return f"its VRL does not compile: {problem.message}"


def run(program: str, events: Sequence[tuple[Any, Mapping[str, Any]]], *, condition: bool = False) -> list[Outcome]:
    """Each (event, metadata) through `program`; `condition`: the program's value is the outcome's `result`."""
    if not events:
        return []
    if "enrichment_table" in program:
        raise Unrunnable("it reads enrichment tables, whose rows are not loaded here")
    import vector_vrl

    regexes: list[str] = []
    data = [json.dumps({"event": encode(e, regexes), "metadata": encode(dict(m), regexes)}) for e, m in events]
    head = prologue(regexes)
    if condition:
        head += "__portal_result = {\n"
        body = head + program + "\n}" + epilogue("__portal_result")
    else:
        body = head + program + epilogue()
    try:
        raw = vector_vrl.execute_vrl(body, data)
    except ValueError as exc:
        raise Unrunnable(_why_not(program)) from exc
    outcomes = []
    for item in raw:
        if _OUTPUT in item:
            out = decode(json.loads(item[_OUTPUT]))
            outcomes.append(Outcome(out["event"], out["metadata"], out["result"]))
            continue
        message = _shifted(str(item.get("error", "failed")), len(head))
        if message.startswith("VRL aborted: "):
            outcomes.append(Outcome(aborted=message.removeprefix("VRL aborted: ")))
        else:
            outcomes.append(Outcome(error=message.removeprefix("VRL error: ")))
    return outcomes
