"""How objects we put on clusters say they are ours, so prune can tell them from anyone else's."""

from __future__ import annotations

from typing import Literal

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "portal"
INSTANCE_LABEL = "portal.butlerlabs.dev/instance"  # this installation's id: two portals never prune each other
SOURCE_LABEL = "portal.butlerlabs.dev/source"  # "<Kind>.<name>" of the repo document an object comes from
DESIRED_HASH_ANNOTATION = "portal.butlerlabs.dev/desired-hash"
DEFAULT_INSTANCE = "default"

DriftMode = Literal["correct", "warn", "ignore"]
DRIFT_MODES: tuple[DriftMode, ...] = ("correct", "warn", "ignore")
# An object may choose its own drift mode over its cluster's.
DRIFT_ANNOTATION = "portal.butlerlabs.dev/drift"


def source_label_value(kind: str, name: str) -> str:
    return f"{kind}.{name}"


def ownership_labels(instance: str, kind: str, name: str) -> dict[str, str]:
    return {
        MANAGED_BY_LABEL: MANAGED_BY_VALUE,
        INSTANCE_LABEL: instance,
        SOURCE_LABEL: source_label_value(kind, name),
    }
