"""Component options against their type's schema: a misspelled option or a bad enum is an error at that option."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reconciler.herald.catalog import Catalog, ComponentType, object_options
from reconciler.herald.components import Component
from reconciler.herald.interpolation import has_reference
from reconciler.model import Diagnostic, Document, error
from reconciler.model.suggestions import closest, did_you_mean

if TYPE_CHECKING:  # the explaining validator runs only on invalid options; a valid commit never imports it
    import jsonschema

# Checks a `${VAR}` may fail only because its value is not known yet (Vector substitutes before parsing).
_VALUE_CHECKS = frozenset(
    {"type", "enum", "const", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
)


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path)


def _leaves(err: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    """The errors worth showing: inside a oneOf/anyOf, the branch the value's tag selects (`codec: json`), or
    the branch that got furthest."""
    if err.context and not _only_required_branches(err):
        from jsonschema.exceptions import relevance

        branches: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in err.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        # A branch for another shape of value (`null`, a boolean for a struct) explains nothing about this one.
        branches = {i: subs for i, subs in branches.items() if not _other_shape(subs)} or branches
        tag_errors = {index: _tag_error(subs) for index, subs in branches.items()}
        selected = [sub for index, subs in branches.items() if tag_errors[index] is None for sub in subs]
        if not selected and all(tag_errors.values()):
            yield _wrong_tag([e for e in tag_errors.values() if e is not None])
            return
        # The most relevant error of this level only: its own oneOf/anyOf get the same choice of branch.
        best = max(selected or err.context, key=relevance)
        yield from _leaves(best)
        return
    yield err


def _other_shape(errors: list[jsonschema.ValidationError]) -> bool:
    return len(errors) == 1 and errors[0].validator == "type" and not errors[0].relative_path


def _tag_error(errors: list[jsonschema.ValidationError]) -> jsonschema.ValidationError | None:
    """A branch's error on its tag: a fixed value of one of the object's own keys (`codec`, `type`, `mode`),
    or of the value itself (an enumeration written as one branch per value)."""
    for sub in errors:
        if sub.validator in {"const", "enum"} and len(sub.relative_path) <= 1:
            return sub
    return None


def _wrong_tag(errors: list[jsonschema.ValidationError]) -> jsonschema.ValidationError:
    """No branch has this tag: one enum error listing every branch's tag value."""
    from jsonschema import ValidationError

    first = errors[0]
    allowed: list[Any] = []
    for sub in errors:
        values = [sub.validator_value] if sub.validator == "const" else list(sub.validator_value)
        allowed += [v for v in values if v not in allowed]
    return ValidationError(
        first.message, validator="enum", validator_value=allowed, instance=first.instance, path=first.absolute_path
    )


def _only_required_branches(err: jsonschema.ValidationError) -> bool:
    branches = err.schema.get(err.validator, []) if isinstance(err.schema, Mapping) else []
    return bool(branches) and all(set(b) == {"required"} for b in branches)


# Both close an object: `unevaluatedProperties` also counts options defined by `allOf` / `oneOf` branches.
_CLOSED = frozenset({"additionalProperties", "unevaluatedProperties"})


def _allowed_keys(err: jsonschema.ValidationError, root: Mapping[str, Any]) -> set[str]:
    return object_options(err.schema, root) if isinstance(err.schema, Mapping) else set()


def _unknown_keys(err: jsonschema.ValidationError, root: Mapping[str, Any]) -> list[str]:
    """Keys no branch of the object's schema defines. A known key the schema left unevaluated (its branch
    failed for another reason) is not unknown: that other reason is reported instead."""
    allowed = _allowed_keys(err, root)
    return sorted(str(k) for k in err.instance if k not in allowed)


@dataclass(frozen=True, slots=True)
class OptionsSubject:
    """What is being checked, for messages and locations."""

    label: str  # "sinks.loki_errors", "global"
    owner: str  # whose options these are: "loki", "Vector's global options"
    path: tuple[str | int, ...]  # where the options are written in the document
    doc: Document
    schema: Mapping[str, Any]  # the whole schema, to resolve its local `$ref`s
    sensitive: tuple[tuple[str, ...], ...] = ()  # option paths whose values are secrets


def _matches(path: tuple[str | int, ...], pattern: tuple[str, ...]) -> bool:
    return all(p in ("*", str(part)) for p, part in zip(pattern, path, strict=False))


def _near_secret(path: tuple[str | int, ...], sensitive: tuple[tuple[str, ...], ...]) -> bool:
    """Whether the value at `path` is, holds or lies inside a secret option."""
    return any(_matches(path, pattern) for pattern in sensitive)


def _is_secret_literal(err: jsonschema.ValidationError, sensitive: tuple[tuple[str, ...], ...]) -> bool:
    """A number or boolean written as a secret option's value: the sensitive-option check reports it."""
    path = tuple(err.absolute_path)
    literal = err.instance is not None and not isinstance(err.instance, str | list | Mapping)
    return literal and any(len(path) == len(pattern) and _matches(path, pattern) for pattern in sensitive)


def _kind_of(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else "a string"


def _message(subject: OptionsSubject, err: jsonschema.ValidationError, where: str) -> str:
    """The message of one error. A secret's value is never shown, nor a whole object (it may hold secrets)."""
    label, owner = subject.label, subject.owner
    at = f"`{where}`" if where else "the options"
    secret = _near_secret(tuple(err.absolute_path), subject.sensitive)
    hidden = secret or isinstance(err.instance, Mapping | list)
    if err.validator == "enum":
        choices = ", ".join(str(c) for c in err.validator_value)
        if hidden:
            return f"{label}: {at} is not one of: {choices}"
        hint = did_you_mean(str(err.instance), err.validator_value)
        return f"{label}: {at} is {err.instance!r}, expected one of: {choices}{hint}"
    if err.validator == "type":
        shown = _kind_of(err.instance) if hidden else repr(err.instance)
        why = " (sensitive: its value is not shown)" if secret else ""
        return f"{label}: {at} must be of type {err.validator_value}, not {shown}{why}"
    if err.validator == "required":
        missing = [r for r in err.validator_value if r not in err.instance]
        return f"{label}: {owner} needs the option `{_dotted((*err.absolute_path, missing[0]))}`"
    if err.validator in {"oneOf", "anyOf"} and _only_required_branches(err):
        names = ", ".join(f"`{b['required'][0]}`" for b in err.validator_value)
        how_many = "exactly one" if err.validator == "oneOf" else "one"
        return f"{label}: {owner} needs {how_many} of the options {names}"
    if hidden:
        return f"{label}: {at} is not a valid value for {owner} (`{err.validator}` fails)"
    return f"{label}: {at}: {err.message}"


def schema_findings(
    value: Any, fast: Any, explainer: Callable[[], jsonschema.Validator], subject: OptionsSubject
) -> list[Diagnostic]:
    """Located errors of `value` against a schema: the fast validator decides, the explainer (made only for
    invalid values) says why."""
    if fast.is_valid(value):
        return []
    doc = subject.doc
    findings: list[Diagnostic] = []
    errors = sorted(explainer().iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    unknown_by_parent: dict[tuple[str | int, ...], list[str]] = {}
    for err in errors:
        if err.validator in _CLOSED:
            unknown_by_parent[tuple(err.absolute_path)] = _unknown_keys(err, subject.schema)
    for top in errors:
        for err in _leaves(top):
            parent = tuple(err.absolute_path)
            if err.validator in _VALUE_CHECKS and has_reference(err.instance):
                continue
            if err.validator in _CLOSED:
                allowed = sorted(_allowed_keys(err, subject.schema))
                for key in _unknown_keys(err, subject.schema):
                    findings.append(
                        error(
                            f"{subject.label}: unknown option `{_dotted((*parent, key))}` for {subject.owner}"
                            + did_you_mean(key, allowed),
                            doc.location(*subject.path, *parent, key),
                            doc.subject,
                        )
                    )
                continue
            if err.validator == "required":
                missing = [r for r in err.validator_value if r not in err.instance]
                # A misspelled required option is already reported as unknown, with the right name suggested.
                misspelled = unknown_by_parent.get(parent, [])
                if any(closest(m, misspelled) for m in missing):
                    continue
            if _is_secret_literal(err, subject.sensitive):
                continue
            findings.append(
                error(
                    _message(subject, err, _dotted(parent)),
                    doc.location(*subject.path, *parent),
                    doc.subject,
                )
            )
    return list(dict.fromkeys(findings))  # an unknown key is found through its object and through its branch


def check_options(component: Component, ctype: ComponentType, catalog: Catalog, doc: Document) -> list[Diagnostic]:
    subject = OptionsSubject(component.label, ctype.name, component.path, doc, catalog.schema(ctype), ctype.sensitive)
    return schema_findings(component.options, catalog.validator(ctype), lambda: catalog.explainer(ctype), subject)


def check_global_options(options: Mapping[str, Any], catalog: Catalog, doc: Document) -> list[Diagnostic]:
    subject = OptionsSubject("global", "Vector's global options", ("spec", "global"), doc, catalog.global_schema())
    fast, explainer = catalog.global_validators()
    return schema_findings(dict(options), fast, explainer, subject)
