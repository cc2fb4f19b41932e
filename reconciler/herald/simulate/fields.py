"""Reading an event's fields as Vector's options name them: dotted paths and `{{ field }}` templates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TEMPLATE = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")


def field_value(fields: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (`kubernetes.pod_name`), None when absent."""
    value: Any = fields
    for part in path.strip(".").split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def render_template(template: str, fields: Mapping[str, Any]) -> str | None:
    """A `{{ field }}` template rendered from the event; None when a field it names is missing."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        value = field_value(fields, match.group(1))
        if value is None:
            missing = True
            return ""
        return str(value) if not isinstance(value, bool) else str(value).lower()

    rendered = _TEMPLATE.sub(fill, template)
    return None if missing else rendered
