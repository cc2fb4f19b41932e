"""The objects a merge would create, update and prune on each cluster, from the base's and the head's desired
state alone (no cluster needed): the base's objects stand in for what is live, and for the inventory.

It is `portal plan`'s planner, so the diffs read the same and the same prunes are refused; only fields the head
no longer sets are found here by comparing with the base (a live object tells them by its managed fields).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler.kube.cluster_plan import Change, ClusterPlan, plan_cluster
from reconciler.kube.compare import FieldChange, differences, field_change, redacted
from reconciler.kube.inventory import Inventory
from reconciler.kube.objects import hash_annotation, key_of, stamped
from reconciler.model.kinds import RepoModel


@dataclass(frozen=True, slots=True)
class ClusterObjects:
    cluster: str
    plan: ClusterPlan


def _removed(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[FieldChange]:
    """Fields the base sets and the head does not: as SSA would remove them."""
    return [field_change(c.path, None, c.desired) for c in differences(base, head) if c.live is None]


def _with_removals(change: Change) -> Change:
    if change.action != "update" or change.live is None:
        return change
    removed = redacted(change.key.kind, _removed(change.live, change.desired))
    return replace(change, fields=(*change.fields, *removed)) if removed else change


def cluster_objects(
    base: Mapping[str, Sequence[Mapping[str, Any]]],
    head: Mapping[str, Sequence[Mapping[str, Any]]],
    model: RepoModel,
    instance: str,
) -> tuple[ClusterObjects, ...]:
    """Per cluster (by name), base's objects → head's; clusters whose objects do not change are left out."""
    result = []
    for cluster in sorted(base.keys() | head.keys()):
        before = [stamped(o, instance) for o in base.get(cluster, ())]
        after = [stamped(o, instance) for o in head.get(cluster, ())]
        live = {key_of(o): o for o in before}
        inventory = Inventory({key: hash_annotation(o) or "" for key, o in live.items()}, exists=bool(live))
        document = model.clusters.get(cluster)
        plan = plan_cluster(after, live, inventory, document.drift if document else "correct", prune=True)
        if plan.has_changes or plan.refused or plan.errors:
            changes = tuple(_with_removals(c) for c in plan.changes)
            result.append(ClusterObjects(cluster, replace(plan, changes=changes)))
    return tuple(result)
