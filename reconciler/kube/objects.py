"""Identity, order, desired hash and ownership stamps of the objects we apply."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from reconciler.model.identity import ObjectKey
from reconciler.model.ownership import (
    DESIRED_HASH_ANNOTATION,
    DRIFT_ANNOTATION,
    DRIFT_MODES,
    INSTANCE_LABEL,
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    DriftMode,
)

# Applied before everything else (other objects live in them or are of their kinds), pruned never by default.
FOUNDATION_KINDS = ("CustomResourceDefinition", "Namespace")


def key_of(obj: Mapping[str, Any]) -> ObjectKey:
    metadata = obj.get("metadata") or {}
    return ObjectKey(
        str(obj.get("apiVersion", "")),
        str(obj.get("kind", "")),
        str(metadata.get("namespace") or ""),
        str(metadata.get("name", "")),
    )


def apply_rank(key: ObjectKey) -> int:
    """CRDs, then Namespaces, then everything else; prune walks the same ranks backwards."""
    return FOUNDATION_KINDS.index(key.kind) if key.kind in FOUNDATION_KINDS else len(FOUNDATION_KINDS)


def is_foundation(key: ObjectKey) -> bool:
    return key.kind in FOUNDATION_KINDS


def desired_hash(obj: Mapping[str, Any]) -> str:
    """A digest of everything we set, so an unchanged object is recognised from its annotation alone."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def hash_annotation(obj: Mapping[str, Any]) -> str | None:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return annotations.get(DESIRED_HASH_ANNOTATION)


def stamped(obj: Mapping[str, Any], instance: str) -> dict[str, Any]:
    """The object as applied: our ownership labels with this instance id, and its desired hash."""
    result = copy.deepcopy(dict(obj))
    metadata = result.setdefault("metadata", {})
    metadata["labels"] = {
        **(metadata.get("labels") or {}),
        MANAGED_BY_LABEL: MANAGED_BY_VALUE,
        INSTANCE_LABEL: instance,
    }
    annotations = {k: v for k, v in (metadata.get("annotations") or {}).items() if k != DESIRED_HASH_ANNOTATION}
    metadata.pop("annotations", None)
    if annotations:
        metadata["annotations"] = annotations
    digest = desired_hash(result)
    metadata["annotations"] = {**annotations, DESIRED_HASH_ANNOTATION: digest}
    return result


def drift_mode_of(obj: Mapping[str, Any], cluster_mode: DriftMode) -> DriftMode:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    mode = annotations.get(DRIFT_ANNOTATION)
    return mode if mode in DRIFT_MODES else cluster_mode


def ownership_selector(instance: str) -> str:
    """The label selector of everything this installation applied."""
    return f"{MANAGED_BY_LABEL}={MANAGED_BY_VALUE},{INSTANCE_LABEL}={instance}"


def is_ours(live: Mapping[str, Any], instance: str) -> bool:
    labels = (live.get("metadata") or {}).get("labels") or {}
    return labels.get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE and labels.get(INSTANCE_LABEL) == instance
