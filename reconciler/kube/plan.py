"""The plan of one cluster: a pure function of the desired objects, the live ones we own and the inventory.

Each desired object is created, updated (its desired hash changed), a drift (same hash, but live values differ
at paths we set), or unchanged. Objects in the inventory that are no longer desired are prune candidates when
they are still live and ours; a candidate may be refused (Namespaces, CRDs, mass deletion).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.kube.client import FIELD_MANAGER
from reconciler.kube.compare import FieldChange, differences, redacted, removed_fields
from reconciler.kube.inventory import Inventory
from reconciler.kube.objects import (
    DriftMode,
    ObjectKey,
    apply_rank,
    desired_hash,
    drift_mode_of,
    hash_annotation,
    is_foundation,
    key_of,
)

Action = Literal["create", "update", "drift"]
# Mass prune: more than this share of an inventory larger than MASS_PRUNE_MIN_INVENTORY.
MASS_PRUNE_SHARE = 0.5
MASS_PRUNE_MIN_INVENTORY = 10


@dataclass(frozen=True, slots=True)
class Change:
    key: ObjectKey
    action: Action
    desired: Mapping[str, Any]
    live: Mapping[str, Any] | None
    fields: tuple[FieldChange, ...]  # live → desired at our paths (Secret values redacted)
    mode: DriftMode  # what drift of this object means

    @property
    def writes(self) -> bool:
        """Whether applying the plan writes this object (a drift only in `correct` mode)."""
        return self.action != "drift" or self.mode == "correct"

    @property
    def force(self) -> bool:
        """`correct` owns our fields whoever set them last; `warn` and `ignore` never take a field over."""
        return self.mode == "correct"


@dataclass(frozen=True, slots=True)
class Prune:
    key: ObjectKey
    uid: str
    digest: str  # its hash in the inventory, kept there while it is not deleted
    refused: str = ""  # why it is not deleted, when it is not


@dataclass(frozen=True, slots=True)
class ClusterPlan:
    changes: tuple[Change, ...]  # in apply order
    unchanged: tuple[ObjectKey, ...]
    prunes: tuple[Prune, ...]  # in prune order (reverse apply order)
    desired_hashes: Mapping[ObjectKey, str]
    gone: tuple[ObjectKey, ...] = ()  # inventory entries neither desired nor live-and-ours any more
    pruning: bool = False  # whether --prune was given

    @property
    def writes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.writes)

    @property
    def deletions(self) -> tuple[Prune, ...]:
        return tuple(p for p in self.prunes if not p.refused) if self.pruning else ()

    @property
    def has_changes(self) -> bool:
        """What `portal plan` exits 1 for: anything to write, drift to report, or anything to prune."""
        return bool(self.changes) or bool(self.prunes)  # ignored drift is never a change

    def inventory_after(self, deleted: Sequence[ObjectKey]) -> dict[ObjectKey, str]:
        """What stays listed: everything desired, and every candidate not deleted (refused, failed, or no --prune)."""
        kept = {p.key: p.digest for p in self.prunes if p.key not in set(deleted)}
        return {**kept, **self.desired_hashes}


def _uid(live: Mapping[str, Any]) -> str:
    return str((live.get("metadata") or {}).get("uid") or "")


def plan_cluster(
    desired: Sequence[Mapping[str, Any]],
    live: Mapping[ObjectKey, Mapping[str, Any]],
    inventory: Inventory,
    cluster_mode: DriftMode,
    *,
    prune: bool = False,
    allow_mass_prune: bool = False,
) -> ClusterPlan:
    """`desired` are stamped objects (ownership labels, hash annotation); `live` are those carrying our labels."""
    changes: list[Change] = []
    unchanged: list[ObjectKey] = []
    hashes: dict[ObjectKey, str] = {}
    for obj in sorted(desired, key=lambda o: apply_rank(key_of(o))):
        key = key_of(obj)
        hashes[key] = hash_annotation(obj) or desired_hash(obj)
        mode = drift_mode_of(obj, cluster_mode)
        current = live.get(key)
        if current is None:
            changes.append(Change(key, "create", obj, None, (), mode))
            continue
        fields = differences(obj, current)
        if hash_annotation(current) != hashes[key]:
            fields += removed_fields(obj, current, FIELD_MANAGER)
            changes.append(Change(key, "update", obj, current, tuple(redacted(key.kind, fields)), mode))
        elif fields:
            if mode != "ignore":
                changes.append(Change(key, "drift", obj, current, tuple(redacted(key.kind, fields)), mode))
            else:
                unchanged.append(key)
        else:
            unchanged.append(key)
    candidates: list[Prune] = []
    gone: list[ObjectKey] = []
    for key in inventory.entries:
        if key in hashes:
            continue
        current = live.get(key)
        if current is None:
            gone.append(key)
        else:
            candidates.append(Prune(key, _uid(current), inventory.entries[key]))
    candidates.sort(key=lambda p: (-apply_rank(p.key), p.key))
    return ClusterPlan(
        tuple(changes),
        tuple(unchanged),
        tuple(_refusals(candidates, len(inventory), allow_mass_prune)),
        hashes,
        tuple(sorted(gone)),
        prune,
    )


def _refusals(candidates: list[Prune], inventory_size: int, allow_mass_prune: bool) -> list[Prune]:
    if allow_mass_prune:
        return candidates
    if inventory_size > MASS_PRUNE_MIN_INVENTORY and len(candidates) > inventory_size * MASS_PRUNE_SHARE:
        reason = (
            f"mass prune refused: {len(candidates)} of the {inventory_size} objects in the inventory would be "
            "deleted (--allow-mass-prune to proceed)"
        )
        return [Prune(p.key, p.uid, p.digest, reason) for p in candidates]
    return [
        Prune(p.key, p.uid, p.digest, f"{p.key.kind}s are never pruned without --allow-mass-prune")
        if is_foundation(p.key)
        else p
        for p in candidates
    ]
