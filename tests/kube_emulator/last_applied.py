"""The real server's bridge from client-side to server-side apply, for the field manager "kubectl" only.

k8s.io/apiserver's lastAppliedManager forgives apply conflicts on fields whose live value still equals the
`kubectl.kubernetes.io/last-applied-configuration` annotation, and lastAppliedUpdater keeps that annotation
in step with what `kubectl apply --server-side` applied, so switching either way between client-side and
server-side apply works without --force-conflicts.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from . import managed_fields
from .managed_fields import ListKeys, Path

ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
KUBECTL = "kubectl"


def _annotation(obj: dict[str, Any]) -> str | None:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION)
    return value if isinstance(value, str) and value else None


def forgiven_conflicts(live: dict[str, Any], subresource: str, has_status: bool, list_keys: ListKeys) -> set[Path]:
    """Fields of the last-applied configuration whose live value is still the one it recorded."""
    text = _annotation(live)
    if text is None:
        return set()
    try:
        last_applied = json.loads(text)
    except ValueError:
        return set()
    if not isinstance(last_applied, dict):
        return set()
    recorded = managed_fields.scoped_content(last_applied, subresource, has_status)
    current = managed_fields.scoped_content(live, subresource, has_status)
    return {
        path
        for path in managed_fields.field_set(recorded, list_keys)
        if managed_fields.value_at(recorded, path) == managed_fields.value_at(current, path)
    }


def synchronised(result: dict[str, Any], applied: dict[str, Any]) -> dict[str, Any]:
    """`result` with its existing last-applied annotation replaced by the configuration just applied."""
    if _annotation(result) is None:
        return result
    recorded = copy.deepcopy(applied)
    annotations = (recorded.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(ANNOTATION, None)
    result = copy.deepcopy(result)
    text = json.dumps(recorded, sort_keys=True, separators=(",", ":")) + "\n"
    result["metadata"]["annotations"][ANNOTATION] = text
    return result
