"""VRL programs and conditions, compiled with Vector's own VRL compiler (the `vector-vrl` wheel).

The wheel knows fewer functions than Vector (`get_env_var`, `get_hostname`, `reverse_dns`, ... are left out): a
program calling one is valid for Vector, so it gets a note that it was not fully checked, never an error.
Enrichment tables the pipeline declares are registered (as stand-in files) before compiling. The wheel's
messages carry no position, so an error is placed by compiling parts of the program (see `_locate`).

Compiling is pure and the same program text recurs across pipelines, so results are cached by text and tables,
within a process and, while validation remembers them (`vrl_verdicts`), across runs.

Vector compiles a `remap` program against the type its inputs' schema gives each field; the wheel cannot be given
one and reads every field as `any`. That is what Vector does too, unless `schema.enabled` is set: metric events
never carry a schema (a remap fed only metrics is compiled against `Definition::any()`), nor do logs by default,
and conditions are always compiled without one. With `schema.enabled`, an error that only the fields' types decide
is therefore a note, never an error (see `_FIELD_TYPE_ERRORS`).
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from reconciler.herald import vrl_verdicts
from reconciler.herald.catalog import ComponentType
from reconciler.herald.components import Component, values_at
from reconciler.herald.vrl_functions import VECTOR_VRL_FUNCTIONS
from reconciler.model import Diagnostic, Document, error
from reconciler.model.diagnostics import Location, note

_UNDEFINED_FUNCTION = "call to undefined function"
_SYNTAX_ERROR = "syntax error"
# A call: a name not preceded by a path (`.a`, `%a`) or another word, then an optional `!`, then `(`.
_CALL = re.compile(r"(?<![\w.%$])([a-z_][a-z0-9_]*)!?\s*\(", re.ASCII)
_OPEN_TO_CLOSE = {"{": "}", "[": "]", "(": ")"}
# The compiler's messages that a field's type alone decides (E110, E103, E100 and their kin): a field of type
# `any` makes these calls fallible, where a field the schema types as the expected kind would not.
_FIELD_TYPE_ERRORS = frozenset(
    {
        "invalid argument type",
        "unhandled fallible assignment",
        "unhandled error",
        "fallible predicate",
        "type mismatch in closure parameter",
    }
)
_MAX_LOCATED_LINES = 500  # placing an error costs a compile per line; longer programs keep the `source` key

# Enrichment tables as the compiler sees them: (name, columns), sorted by name.
EnrichmentTables = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class VrlProblem:
    message: str
    is_error: bool  # False: valid for Vector, but not fully checked here
    line: int | None = None  # 1-based, within the program
    column: int | None = None


def code_only(program: str) -> str:
    """The program with comments and string, raw-string, regex and timestamp literals blanked out (newlines and
    offsets kept), so the words left are code at their original places."""
    chars = list(program)
    i, end = 0, len(program)

    def blank(start: int, stop: int) -> None:
        for k in range(start, min(stop, end)):
            if chars[k] != "\n":
                chars[k] = " "

    def closing(start: int, quote: str) -> int:
        k = start
        while k < end and program[k] != quote:
            k += 2 if program[k] == "\\" else 1
        return k + 1

    while i < end:
        c = program[i]
        if c == "#":
            stop = program.find("\n", i)
            stop = end if stop < 0 else stop
        elif c == '"':
            stop = closing(i + 1, '"')
        elif (
            c in "srt"
            and program[i + 1 : i + 2] == "'"
            and (i == 0 or not (program[i - 1].isalnum() or program[i - 1] == "_"))
        ):
            stop = closing(i + 2, "'")
        else:
            i += 1
            continue
        blank(i, stop)
        i = stop
    return "".join(chars)


def _position(program: str, offset: int) -> tuple[int, int]:
    line = program.count("\n", 0, offset) + 1
    return line, offset - (program.rfind("\n", 0, offset) + 1) + 1


def function_calls(program: str) -> list[tuple[str, int]]:
    """Each function call of the program (name, offset), in order; words in comments, strings and regexes are
    not calls."""
    return [(m.group(1), m.start(1)) for m in _CALL.finditer(code_only(program))]


_registered: EnrichmentTables | None = None  # what the wheel's process-wide table registry holds


def _register(tables: EnrichmentTables) -> None:
    """Make the wheel's registry hold exactly `tables`: each a CSV stand-in with the declared columns (the
    compiler needs a table to exist; its rows only matter at run time)."""
    global _registered
    if tables == _registered:
        return
    import vector_vrl

    vector_vrl.clear_enrichment_tables()
    with tempfile.TemporaryDirectory(prefix="portal-enrichment-") as folder:
        for number, (name, columns) in enumerate(tables):
            path = Path(folder) / f"{number}.csv"
            with path.open("w", encoding="utf-8", newline="") as stand_in:
                csv.writer(stand_in).writerow(columns)
            try:
                vector_vrl.register_enrichment_table(name, "file", str(path))
            except ValueError:  # a name the compiler refuses (empty): programs using it get "unknown table"
                continue
    _registered = tables


def _compile(program: str, tables: EnrichmentTables) -> tuple[str, ...]:
    """The compiler's messages, one per error: none when the program compiles."""
    import vector_vrl  # loaded by the first program to compile: remembered pipelines never need it

    _register(tables)
    result = vector_vrl.validate_vrl(program)
    return () if result.success else tuple(str(result.error or "does not compile").split("\n"))


@lru_cache(maxsize=1024)
def _wheel_lacks(function: str) -> bool:
    import vector_vrl

    # The answer does not depend on tables: leave the registry as the program being judged needs it.
    return vector_vrl.validate_vrl(f"{function}()").error == _UNDEFINED_FUNCTION


def _closers(code: str) -> str:
    """What closes the brackets left open at the end of `code` (comments and literals already blanked)."""
    stack: list[str] = []
    for c in code:
        if c in _OPEN_TO_CLOSE:
            stack.append(_OPEN_TO_CLOSE[c])
        elif stack and c == stack[-1]:
            stack.pop()
    return "".join("\n" + c for c in reversed(stack))


def _locate(program: str, message: str, tables: EnrichmentTables) -> tuple[int, int] | None:
    """The line of the program where the compiler finds the error, and its first column.

    A semantic error is on the first line whose prefix of the program (its open brackets closed) fails with the
    same message. A cut program is a syntax error almost anywhere, so a syntax error is on the one line whose
    removal makes the syntax right; None when no single line does.
    """
    lines = program.split("\n")
    code_lines = code_only(program).split("\n")
    if len(lines) > _MAX_LOCATED_LINES:
        return None
    for number in range(1, len(lines) + 1):
        if not code_lines[number - 1].strip():
            continue
        if message == _SYNTAX_ERROR:
            without = "\n".join([*lines[: number - 1], "", *lines[number:]])
            found = _SYNTAX_ERROR not in _compile(without, tables)
        else:
            prefix = "\n".join(lines[:number]) + _closers("\n".join(code_lines[:number]))
            found = _compile(prefix, tables)[:1] == (message,)
        if found:
            text = lines[number - 1]
            return number, len(text) - len(text.lstrip()) + 1
    return None


def _undefined_calls(program: str, tables: EnrichmentTables) -> VrlProblem:
    calls = [(name, offset) for name, offset in function_calls(program) if _wheel_lacks(name)]
    unknown = [(name, offset) for name, offset in calls if name not in VECTOR_VRL_FUNCTIONS]
    if unknown:
        names = ", ".join(f"`{name}`" for name in dict.fromkeys(name for name, _ in unknown))
        return VrlProblem(f"{_UNDEFINED_FUNCTION} {names}", True, *_position(program, unknown[0][1]))
    if calls:
        names = ", ".join(f"`{name}`" for name in dict.fromkeys(name for name, _ in calls))
        return VrlProblem(
            f"not fully checked here: calls {names}, which Vector has but the VRL compiler used here (the "
            "vector-vrl wheel) lacks; `portal validate --vector` checks it with a real vector binary",
            False,
            *_position(program, calls[0][1]),
        )
    return VrlProblem(_UNDEFINED_FUNCTION, True, *(_locate(program, _UNDEFINED_FUNCTION, tables) or (None, None)))


def judge(program: str, tables: EnrichmentTables = ()) -> VrlProblem | None:
    """None when Vector would accept the program as far as the compiler here can tell; otherwise the problem.
    Verdicts of earlier runs are reused while `vrl_verdicts.remembering` them."""
    # Only the enrichment functions read tables: other programs are judged (and cached) the same everywhere.
    key = (program, tables if "enrichment_table" in program else ())
    remembered = vrl_verdicts.active()
    if remembered is None:
        return _judge(*key)
    known, row = remembered.get(key)
    if known:
        return VrlProblem(*row) if row is not None else None
    problem = _judge(*key)
    remembered.put(key, (problem.message, problem.is_error, problem.line, problem.column) if problem else None)
    return problem


@lru_cache(maxsize=8192)
def _judge(program: str, tables: EnrichmentTables) -> VrlProblem | None:
    messages = _compile(program, tables)
    if not messages:
        return None
    if _UNDEFINED_FUNCTION in messages:  # first: other errors may only follow from a function the wheel lacks
        return _undefined_calls(program, tables)
    place = _locate(program, messages[0], tables) or (None, None)  # the first error's
    return VrlProblem("; ".join(dict.fromkeys(messages)), True, *place)


def compile_error(program: str, tables: EnrichmentTables = ()) -> str | None:
    """The compiler's message when the program is an error (the unknown functions named), else None."""
    problem = judge(program, tables)
    return problem.message if problem is not None and problem.is_error else None


def enrichment_tables(global_options: Mapping[str, Any]) -> EnrichmentTables:
    """The tables of `global.enrichment_tables`, with the columns their `schema` declares."""
    declared = global_options.get("enrichment_tables")
    if not isinstance(declared, Mapping):
        return ()
    tables = []
    for name, table in declared.items():
        schema = table.get("schema") if isinstance(table, Mapping) else None
        columns = tuple(str(c) for c in schema) if isinstance(schema, Mapping) and schema else ("key",)
        tables.append((str(name), columns))
    return tuple(sorted(tables))


def condition_program(condition: Any) -> str | None:
    """The VRL of a condition: a bare string is VRL; `{type: vrl, source}` too; other types are not VRL."""
    if isinstance(condition, str):
        return condition
    if isinstance(condition, Mapping) and condition.get("type", "vrl") == "vrl":
        source = condition.get("source")
        return source if isinstance(source, str) else None
    return None


def schema_enabled(global_options: Mapping[str, Any]) -> bool:
    """`schema.enabled`: Vector then compiles remap programs against the field types their log sources declare."""
    schema = global_options.get("schema")
    return isinstance(schema, Mapping) and schema.get("enabled") is True


def programs(component: Component, ctype: ComponentType) -> Iterator[tuple[tuple[str | int, ...], str, bool]]:
    """Every VRL text of a component, with the JSON path (under the component) where it is written, and whether
    Vector compiles it against the inputs' schema (a program, such as remap's `source`; never a condition)."""
    for option in ctype.vrl_programs:
        for at, value in values_at(component.body, option):
            if isinstance(value, str):
                yield at, value, True
    for option in ctype.vrl_conditions:
        for at, value in values_at(component.body, option):
            program = condition_program(value)
            if program is not None:
                yield (at if isinstance(value, str) else (*at, "source")), program, False


def _place(written_at: Location, program: str, problem: VrlProblem) -> Location:
    """Where in the file the problem is. A program with a line break is a block scalar (`source: |`), whose
    first line is the line after its key, indented (by convention) two columns further than the key; a one-line
    program stays at its key."""
    if problem.line is None or problem.column is None or "\n" not in program:
        return written_at
    return Location(written_at.path, written_at.line + problem.line, written_at.column + 1 + problem.column)


def _typed_by_schema(problem: VrlProblem) -> VrlProblem:
    """An error only the fields' types decide, for a program Vector compiles against a schema the wheel lacks."""
    if not problem.is_error or not set(problem.message.split("; ")) <= _FIELD_TYPE_ERRORS:
        return problem
    message = (
        f"not fully checked here: {problem.message} for fields read as `any`, but with `schema.enabled` Vector "
        "compiles a remap against the field types its log inputs declare, which the VRL compiler used here (the "
        "vector-vrl wheel) cannot be given; `portal validate --vector` checks it with a real vector binary"
    )
    return VrlProblem(message, False, problem.line, problem.column)


def check_vrl(
    component: Component, ctype: ComponentType, doc: Document, tables: EnrichmentTables = (), typed: bool = False
) -> list[Diagnostic]:
    """`typed`: the pipeline sets `schema.enabled` (see `schema_enabled`)."""
    findings = []
    for at, program, against_schema in programs(component, ctype):
        problem = judge(program, tables)
        if problem is None:
            continue
        if typed and against_schema:
            problem = _typed_by_schema(problem)
        where = f"`{'.'.join(map(str, at))}`"
        if problem.line is not None:
            where += f" (line {problem.line}, column {problem.column} of the program)"
        location = _place(doc.location(*component.path, *at), program, problem)
        if problem.is_error:
            findings.append(
                error(f"{component.label}: VRL in {where} does not compile: {problem.message}", location, doc.subject)
            )
        else:
            findings.append(note(f"{component.label}: VRL in {where} is {problem.message}", location, doc.subject))
    return findings
