"""Label and field selectors with the grammar of k8s.io/apimachinery/pkg/labels and fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class SelectorError(ValueError):
    """A selector the real server would reject with 400 BadRequest."""


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        match self.operator:
            case "=" | "in":
                return present and value in self.values
            case "!=" | "notin":
                # Like the real server: a missing label satisfies "!=" and "notin".
                return not present or value not in self.values
            case "exists":
                return present
            case "!":
                return not present
            case "gt" | "lt":
                try:
                    number, bound = int(value or ""), int(self.values[0])
                except ValueError:
                    return False
                return number > bound if self.operator == "gt" else number < bound
        raise AssertionError(self.operator)


_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET_RE = re.compile(rf"^\s*(?P<key>{_KEY})\s+(?P<op>in|notin)\s*\((?P<values>[^)]*)\)\s*$")
_BINARY_RE = re.compile(rf"^\s*(?P<key>{_KEY})\s*(?P<op>==|=|!=|>|<)\s*(?P<value>{_VALUE})\s*$")
_EXISTS_RE = re.compile(rf"^\s*(?P<neg>!?)\s*(?P<key>{_KEY})\s*$")


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside an `in (...)` value set."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def parse_label_selector(text: str) -> list[Requirement]:
    requirements: list[Requirement] = []
    if not text.strip():
        return requirements
    for part in _split_top_level(text):
        if match := _SET_RE.match(part):
            values = tuple(v.strip() for v in match["values"].split(",") if v.strip())
            if not values and match["op"] == "in":
                raise SelectorError(f"unable to parse requirement: for 'in' set, values must be non-empty: {part}")
            requirements.append(Requirement(match["key"], match["op"], values))
        elif match := _BINARY_RE.match(part):
            operator = {"==": "=", "=": "=", "!=": "!=", ">": "gt", "<": "lt"}[match["op"]]
            requirements.append(Requirement(match["key"], operator, (match["value"],)))
        elif match := _EXISTS_RE.match(part):
            requirements.append(Requirement(match["key"], "!" if match["neg"] else "exists"))
        else:
            raise SelectorError(f"unable to parse requirement: invalid label selector: {part!r}")
    return requirements


def labels_match(requirements: list[Requirement], labels: Mapping[str, str] | None) -> bool:
    return all(requirement.matches(labels or {}) for requirement in requirements)


# Fields every kind can be selected by, plus the few kind-specific ones the real server indexes.
_COMMON_FIELDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "metadata.name": lambda obj: str((obj.get("metadata") or {}).get("name", "")),
    "metadata.namespace": lambda obj: str((obj.get("metadata") or {}).get("namespace", "")),
}
_KIND_FIELDS: dict[str, dict[str, Callable[[Mapping[str, Any]], str]]] = {
    "Secret": {"type": lambda obj: str(obj.get("type", ""))},
    "Pod": {
        "spec.nodeName": lambda obj: str((obj.get("spec") or {}).get("nodeName", "")),
        "spec.serviceAccountName": lambda obj: str((obj.get("spec") or {}).get("serviceAccountName", "")),
        "status.phase": lambda obj: str((obj.get("status") or {}).get("phase", "")),
    },
    "Namespace": {"status.phase": lambda obj: str((obj.get("status") or {}).get("phase", ""))},
}

FieldRequirement = tuple[Callable[[Mapping[str, Any]], str], bool, str]  # getter, equal?, value


def parse_field_selector(text: str, kind: str) -> list[FieldRequirement]:
    requirements: list[FieldRequirement] = []
    if not text.strip():
        return requirements
    known = {**_COMMON_FIELDS, **_KIND_FIELDS.get(kind, {})}
    for part in text.split(","):
        match = re.match(r"^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not match:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        field_name, operator, value = match.groups()
        if field_name not in known:
            raise SelectorError(f"field label not supported: {field_name}")
        requirements.append((known[field_name], operator != "!=", value))
    return requirements


def fields_match(requirements: list[FieldRequirement], obj: Mapping[str, Any]) -> bool:
    return all((getter(obj) == value) == equal for getter, equal, value in requirements)
