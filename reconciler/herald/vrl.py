"""VRL programs and conditions, compiled with Vector's own VRL compiler (the `vector-vrl` wheel).

Compiling is pure and the same program text recurs across pipelines, so results are cached by text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from reconciler.herald.catalog import ComponentType
from reconciler.herald.components import Component, values_at
from reconciler.model import Diagnostic, Document, error

_UNDEFINED_FUNCTION = "call to undefined function"
_CALL = re.compile(r"\b([a-z_][a-z0-9_]*)!?\s*\(")


@lru_cache(maxsize=8192)
def compile_error(program: str) -> str | None:
    """None when the program compiles; otherwise the compiler's message, with the function named when the
    compiler only says that some function is undefined."""
    import vector_vrl  # loaded by the first program to compile: remembered pipelines never need it

    result = vector_vrl.validate_vrl(program)
    if result.success:
        return None
    message = str(result.error or "does not compile")
    if message == _UNDEFINED_FUNCTION:
        unknown = sorted({name for name in _CALL.findall(program) if _is_undefined(name)})
        if unknown:
            message = f"{message} {', '.join(f'`{n}`' for n in unknown)}"
    return message


@lru_cache(maxsize=1024)
def _is_undefined(function: str) -> bool:
    import vector_vrl

    result = vector_vrl.validate_vrl(f"{function}()")
    return not result.success and result.error == _UNDEFINED_FUNCTION


def condition_program(condition: Any) -> str | None:
    """The VRL of a condition: a bare string is VRL; `{type: vrl, source}` too; other types are not VRL."""
    if isinstance(condition, str):
        return condition
    if isinstance(condition, Mapping) and condition.get("type", "vrl") == "vrl":
        source = condition.get("source")
        return source if isinstance(source, str) else None
    return None


def programs(component: Component, ctype: ComponentType) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every VRL text of a component, with the JSON path (under the component) where it is written."""
    for option in ctype.vrl_programs:
        for at, value in values_at(component.body, option):
            if isinstance(value, str):
                yield at, value
    for option in ctype.vrl_conditions:
        for at, value in values_at(component.body, option):
            program = condition_program(value)
            if program is not None:
                yield (at if isinstance(value, str) else (*at, "source")), program


def check_vrl(component: Component, ctype: ComponentType, doc: Document) -> list[Diagnostic]:
    findings = []
    for at, program in programs(component, ctype):
        message = compile_error(program)
        if message is not None:
            findings.append(
                error(
                    f"{component.label}: VRL in `{'.'.join(map(str, at))}` does not compile: {message}",
                    doc.location(*component.path, *at),
                    doc.subject,
                )
            )
    return findings
