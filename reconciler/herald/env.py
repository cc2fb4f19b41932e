"""`${VAR}`s and secrets: every variable is declared in spec.env, and sensitive options come from Secrets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from reconciler.herald.catalog import ComponentType
from reconciler.herald.components import Component, values_at
from reconciler.herald.interpolation import references, sole_reference, strings
from reconciler.model import Diagnostic, Document, error
from reconciler.model.kinds import EnvVar, Pipeline


def _undeclared(
    value: Any, path: tuple[str | int, ...], label: str, declared: Mapping[str, EnvVar], doc: Document
) -> list[Diagnostic]:
    findings = []
    for at, text in strings(value):
        for ref in references(text):
            if ref.name not in declared and not ref.has_default:
                findings.append(
                    error(
                        f"{label}: `${{{ref.name}}}` is not declared in spec.env",
                        doc.location(*path, *at),
                        doc.subject,
                    )
                )
    return findings


def _leaves(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every value inside `value` that is not a list, a mapping or null, with its path."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    elif value is not None:
        yield path, value


def _sensitive(
    component: Component, ctype: ComponentType, declared: Mapping[str, EnvVar], doc: Document
) -> list[Diagnostic]:
    findings = []
    for option in ctype.sensitive:
        for at, value in values_at(component.body, option):
            for where, leaf in _leaves(value, at):
                name = sole_reference(leaf) if isinstance(leaf, str) else None  # a number is a literal too
                option_name = ".".join(map(str, where))
                if name is None:
                    # Never repeat the value: it may be a real credential.
                    message = (
                        f"{component.label}: `{option_name}` is sensitive and must be a `${{VAR}}` backed by a "
                        "secretRef in spec.env, not a literal value"
                    )
                elif name in declared and declared[name].secret_ref is None:
                    message = (
                        f"{component.label}: `{option_name}` is sensitive, but `${{{name}}}` is declared with a "
                        "plain value; give it a secretRef"
                    )
                else:
                    continue
                findings.append(error(message, doc.location(*component.path, *where), doc.subject))
    return findings


def check_env(
    pipeline: Pipeline, components: list[Component], types: Mapping[str, ComponentType | None]
) -> list[Diagnostic]:
    doc = pipeline.doc
    declared = {var.name: var for var in pipeline.env}
    findings = _undeclared(pipeline.global_options, ("spec", "global"), "global", declared, doc)
    for component in components:
        findings += _undeclared(component.body, component.path, component.label, declared, doc)
        ctype = types.get(component.id)
        if ctype is not None:
            findings += _sensitive(component, ctype, declared, doc)
    return findings
