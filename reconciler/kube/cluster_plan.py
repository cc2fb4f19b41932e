"""The plan of one cluster: a pure function of the desired objects, the live ones we own and the inventory.

Each desired object is created, updated (its desired hash changed), a drift (same hash, but live values differ
at paths we set), or unchanged. Objects in the inventory that are no longer desired are prune candidates when
they are still live and ours; a candidate may be refused (Namespaces, CRDs, mass deletion), and then it is
shown but neither deleted nor counted as a change. An object to create in a namespace that is not on the
cluster, and that no desired object creates, is an error of the plan, not a create that would fail. An inventory entry
leaves the inventory only when its object is confirmed gone; one of a kind the cluster would not describe
(discovery failed) stays listed, and so does an object another Cluster document on the same API server wants.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from reconciler.kube.client import FIELD_MANAGER
from reconciler.kube.compare import FieldChange, differences, redacted, removed_fields
from reconciler.kube.inventory import Inventory
from reconciler.kube.objects import (
    ObjectKey,
    apply_rank,
    desired_hash,
    drift_mode_of,
    hash_annotation,
    is_foundation,
    key_of,
)
from reconciler.model.ownership import DriftMode

Action = Literal["create", "update", "drift"]
Kind = tuple[str, str]  # (apiVersion, kind)
# Mass prune: more than this share of an inventory larger than MASS_PRUNE_MIN_INVENTORY, or every live object
# of ours of one kind when there are at least MASS_PRUNE_MIN_KIND of them.
MASS_PRUNE_SHARE = 0.5
MASS_PRUNE_MIN_INVENTORY = 10
MASS_PRUNE_MIN_KIND = 2


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
    gone: tuple[ObjectKey, ...] = ()  # inventory entries confirmed gone from the cluster
    pruning: bool = False  # whether --prune was given
    retained: Mapping[ObjectKey, str] = field(default_factory=dict)  # listed, not desired, not confirmed gone
    errors: tuple[str, ...] = ()  # kinds not observed, objects another Cluster wants, namespaces missing

    @property
    def writes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.writes)

    @property
    def prunable(self) -> tuple[Prune, ...]:
        """The candidates --prune deletes: all but the refused ones."""
        return tuple(p for p in self.prunes if not p.refused)

    @property
    def refused(self) -> tuple[Prune, ...]:
        return tuple(p for p in self.prunes if p.refused)

    @property
    def deletions(self) -> tuple[Prune, ...]:
        return self.prunable if self.pruning else ()

    @property
    def has_changes(self) -> bool:
        """What `portal plan` exits 1 for: anything to write, drift to report, or anything --prune deletes
        (ignored drift and refused prunes change nothing)."""
        return bool(self.changes) or bool(self.prunable)

    def inventory_after(self, deleted: Sequence[ObjectKey]) -> dict[ObjectKey, str]:
        """What stays listed: everything desired, and every entry not confirmed gone — candidates not deleted
        (refused, failed, or no --prune) and objects we could not look at."""
        dropped = set(deleted)
        kept = {key: digest for key, digest in self.retained.items() if key not in dropped}
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
    confirmed_gone: Collection[ObjectKey] = (),
    unobserved: Mapping[Kind, str] | None = None,
    contested: Mapping[ObjectKey, str] | None = None,
    missing_namespaces: Collection[str] = (),
) -> ClusterPlan:
    """`desired` are stamped objects (ownership labels, hash annotation); `live` are those carrying our labels.

    `confirmed_gone`: inventory entries whose objects the server says do not exist; `unobserved`: kinds whose
    discovery failed (why), so nothing of them is known; `contested`: desired objects that another Cluster
    document on the same API server wants too (its name) — neither applies them; `missing_namespaces`:
    namespaces the server says do not exist.
    """
    unobserved = unobserved or {}
    contested = contested or {}
    errors = [
        f"{kind} ({api_version}): {why}; its objects are left as they are"
        for (api_version, kind), why in sorted(unobserved.items())
    ]
    changes: list[Change] = []
    unchanged: list[ObjectKey] = []
    hashes: dict[ObjectKey, str] = {}
    created_namespaces = {key_of(o).name for o in desired if key_of(o).kind == "Namespace"}
    homeless: dict[str, list[ObjectKey]] = {}  # namespace that is not there → objects we would create in it
    for obj in sorted(desired, key=lambda o: apply_rank(key_of(o))):
        key = key_of(obj)
        hashes[key] = hash_annotation(obj) or desired_hash(obj)
        mode = drift_mode_of(obj, cluster_mode)
        if key in contested:
            errors.append(
                f"{key}: Cluster {contested[key]!r} is on the same API server and wants it too; applied by neither"
            )
            continue
        if (key.api_version, key.kind) in unobserved:
            continue
        current = live.get(key)
        if current is None and key.namespace in missing_namespaces and key.namespace not in created_namespaces:
            homeless.setdefault(key.namespace, []).append(key)
            continue
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
    errors.extend(_homeless(namespace, keys) for namespace, keys in sorted(homeless.items()))
    candidates: list[Prune] = []
    gone: list[ObjectKey] = []
    retained: dict[ObjectKey, str] = {}
    gone_for_sure = set(confirmed_gone)
    for key, digest in inventory.entries.items():
        if key in hashes:
            continue
        current = live.get(key)
        if current is not None:
            candidates.append(Prune(key, _uid(current), digest))
        elif key in gone_for_sure:
            gone.append(key)
            continue
        retained[key] = digest
    candidates.sort(key=lambda p: (-apply_rank(p.key), p.key))
    return ClusterPlan(
        tuple(changes),
        tuple(unchanged),
        tuple(_refusals(candidates, len(inventory), live, allow_mass_prune)),
        hashes,
        tuple(sorted(gone)),
        prune,
        retained,
        tuple(errors),
    )


def _homeless(namespace: str, keys: Sequence[ObjectKey]) -> str:
    keys = sorted(keys)
    shown = ", ".join(str(k) for k in keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
    return (
        f"namespace {namespace!r} does not exist on this cluster and no document creates it: "
        f"{len(keys)} object(s) cannot be created there ({shown})"
    )


def _refusals(
    candidates: list[Prune], inventory_size: int, live: Mapping[ObjectKey, Any], allow_mass_prune: bool
) -> list[Prune]:
    if allow_mass_prune:
        return candidates
    if inventory_size > MASS_PRUNE_MIN_INVENTORY and len(candidates) > inventory_size * MASS_PRUNE_SHARE:
        reason = (
            f"mass prune refused: {len(candidates)} of the {inventory_size} objects in the inventory would be "
            "deleted (--allow-mass-prune to proceed)"
        )
        return [Prune(p.key, p.uid, p.digest, reason) for p in candidates]
    # Deleting every object of a kind is what a wrong inventory or a wrong cluster looks like.
    to_delete = Counter((p.key.api_version, p.key.kind) for p in candidates)
    live_of_kind = Counter((k.api_version, k.kind) for k in live)
    emptied = {kind for kind, n in to_delete.items() if n >= MASS_PRUNE_MIN_KIND and n >= live_of_kind[kind]}
    result: list[Prune] = []
    for p in candidates:
        if is_foundation(p.key):
            reason = f"{p.key.kind}s are never pruned without --allow-mass-prune"
        elif (p.key.api_version, p.key.kind) in emptied:
            n = to_delete[p.key.api_version, p.key.kind]
            reason = (
                f"mass prune refused: all {n} live {p.key.kind} objects of ours would be deleted "
                "(--allow-mass-prune to proceed)"
            )
        else:
            result.append(p)
            continue
        result.append(Prune(p.key, p.uid, p.digest, reason))
    return result
