"""One cluster's reconcile: observe (inventory + one labelled LIST per kind), plan, then — unless a dry run —
write the inventory (old ∪ new), apply, prune, trim the inventory, and assess health.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from reconciler.kube import inventory as inventories
from reconciler.kube.apply import apply_changes, bounded
from reconciler.kube.client import KubeClient, KubeError, Unreachable
from reconciler.kube.cluster_plan import ClusterPlan, Kind, plan_cluster
from reconciler.kube.discovery import Discovery, DiscoveryFailed, Resource, UnknownKind
from reconciler.kube.health import ObjectHealth, WaitStatus, assess, has_health, wait
from reconciler.kube.inventory import Inventory
from reconciler.kube.objects import ObjectKey, is_ours, key_of, ownership_selector, stamped
from reconciler.kube.outcome import Outcome
from reconciler.kube.prune import prune
from reconciler.model.ownership import DriftMode
from reconciler.settings import ApplyOptions

Status = Literal["ok", "failed", "unreachable"]


def _quiet(*_: object) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a reconcile tells how it goes: `step` as it reads and applies, `waiting` (cluster, where the wait
    stands) after every poll of --wait. Silent unless the caller listens."""

    step: Callable[[str], None] = _quiet
    waiting: Callable[[str, WaitStatus], None] = _quiet


@dataclass(frozen=True, slots=True)
class ClusterReport:
    cluster: str
    status: Status
    error: str = ""
    plan: ClusterPlan | None = None
    outcomes: tuple[Outcome, ...] = ()
    health: tuple[ObjectHealth, ...] = ()
    dry_run: bool = False
    waited: bool = False

    @property
    def failed(self) -> bool:
        if self.status != "ok" or any(o.failed for o in self.outcomes):
            return True
        if self.plan is not None and self.plan.errors:
            return True
        return self.waited and any(h.state != "ready" for h in self.health)


@dataclass(frozen=True, slots=True)
class Observation:
    inventory: Inventory
    live: Mapping[ObjectKey, Mapping[str, Any]]
    confirmed_gone: frozenset[ObjectKey] = frozenset()  # listed objects the server says do not exist
    unobserved: Mapping[Kind, str] = field(default_factory=dict)  # kinds whose discovery failed: why
    legacy: bool = False  # the old per-server inventory is there and this Cluster has none of its own yet
    missing_namespaces: frozenset[str] = frozenset()  # namespaces of objects to create that the server lacks


def read_inventory(
    client: KubeClient, instance: str, cluster: str, desired_keys: Sequence[ObjectKey]
) -> tuple[Inventory, bool]:
    """This Cluster document's inventory; before it has one, its share of the old per-server inventory (and
    whether that old inventory is there)."""
    inventory = inventories.read(client, instance, cluster)
    if inventory.exists:
        return inventory, False
    legacy = inventories.read_legacy(client, instance)
    if not legacy.exists:
        return inventory, False
    return inventories.claim_legacy(legacy, desired_keys), True


def confirm_gone(
    client: KubeClient, discovery: Discovery, keys: Sequence[ObjectKey], instance: str, concurrency: int
) -> frozenset[ObjectKey]:
    """Those of `keys` whose object of ours the server says is not there (404, their kind is not served, or
    a same-named object that is not ours); a read that fails confirms nothing."""

    def is_gone(key: ObjectKey) -> bool:
        try:
            found = client.get(discovery.resource_of(key).path(key))
            return found is None or not is_ours(found, instance)
        except UnknownKind:
            return True
        except (DiscoveryFailed, KubeError, Unreachable):
            return False

    return frozenset(key for key, gone in zip(keys, bounded(is_gone, keys, concurrency), strict=True) if gone)


def observe(
    client: KubeClient,
    discovery: Discovery,
    desired_keys: Sequence[ObjectKey],
    instance: str,
    cluster: str,
    concurrency: int,
) -> Observation:
    """The inventory, and every live object we own of the kinds we want or once applied: one LIST per kind."""
    # The first request: an unreachable cluster shows here.
    inventory, legacy = read_inventory(client, instance, cluster, desired_keys)
    kinds = sorted({(k.api_version, k.kind) for k in (*desired_keys, *inventory.entries)})
    resources: list[Resource] = []
    unobserved: dict[Kind, str] = {}
    for api_version, kind in kinds:
        try:
            resources.append(discovery.resource(api_version, kind))
        except UnknownKind:
            continue  # not served: nothing of it can be live (applying it will say why)
        except DiscoveryFailed as exc:
            unobserved[api_version, kind] = str(exc)
    selector = ownership_selector(instance)

    def list_kind(resource: Resource) -> list[tuple[ObjectKey, dict[str, Any]]]:
        found = []
        for item in client.list(resource.collection_path(), selector):
            # List items carry no apiVersion/kind on a real server; they are the collection's.
            item["apiVersion"], item["kind"] = resource.api_version, resource.kind
            key = key_of(item)
            if not inventories.is_inventory(key, instance):
                found.append((key, item))
        return found

    live: dict[ObjectKey, Mapping[str, Any]] = {}
    for pairs in bounded(list_kind, resources, concurrency):
        live.update(pairs)
    wanted = set(desired_keys)
    missing = [
        key
        for key in inventory.entries
        if key not in wanted and key not in live and (key.api_version, key.kind) not in unobserved
    ]
    gone = confirm_gone(client, discovery, missing, instance, concurrency)
    created = {k.name for k in desired_keys if k.kind == "Namespace" and k.api_version == "v1"}
    homes = sorted({k.namespace for k in desired_keys if k.namespace and k not in live} - created)
    absent = missing_namespaces(client, discovery, homes, concurrency)
    return Observation(inventory, live, gone, unobserved, legacy, absent)


def missing_namespaces(
    client: KubeClient, discovery: Discovery, names: Sequence[str], concurrency: int
) -> frozenset[str]:
    """Those of `names` the server says are not there (404); a read that fails (403 included) says nothing."""

    def is_missing(name: str) -> bool:
        try:
            return (
                client.get(discovery.resource("v1", "Namespace").path(ObjectKey("v1", "Namespace", "", name))) is None
            )
        except (DiscoveryFailed, UnknownKind, KubeError):
            return False

    return frozenset(n for n, missing in zip(names, bounded(is_missing, names, concurrency), strict=True) if missing)


def _health(plan: ClusterPlan, observation: Observation, outcomes: Sequence[Outcome]) -> list[ObjectHealth]:
    """Health of what we applied (as the server returned it) and of what was already in place."""
    latest: dict[ObjectKey, Mapping[str, Any]] = {k: observation.live[k] for k in plan.unchanged}
    for change in plan.changes:
        if change.live is not None:
            latest[change.key] = change.live
    for outcome in outcomes:
        if outcome.live is not None:
            latest[outcome.key] = {**outcome.live, "apiVersion": outcome.key.api_version, "kind": outcome.key.kind}
    return [h for key, obj in sorted(latest.items()) if has_health(key) and (h := assess(obj)) is not None]


def reconcile_cluster(
    name: str,
    client: KubeClient,
    desired: Sequence[Mapping[str, Any]],
    drift: DriftMode,
    options: ApplyOptions,
    progress: Progress = Progress(),
    contested: Mapping[ObjectKey, str] | None = None,
) -> ClusterReport:
    """`contested`: desired objects another Cluster document on the same API server wants too (its name)."""
    objects = [stamped(o, options.instance) for o in desired]
    discovery = Discovery(client)
    instance = options.instance
    try:
        progress.step(f"{name}: reading live objects")
        observation = observe(client, discovery, [key_of(o) for o in objects], instance, name, options.concurrency)
        plan = plan_cluster(
            objects,
            observation.live,
            observation.inventory,
            drift,
            prune=options.prune,
            allow_mass_prune=options.allow_mass_prune,
            confirmed_gone=observation.confirmed_gone,
            unobserved=observation.unobserved,
            contested=contested,
            missing_namespaces=observation.missing_namespaces,
        )
        if options.dry_run:
            return ClusterReport(name, "ok", plan=plan, dry_run=True)
        inventory = observation.inventory
        before = inventory.merged(plan.desired_hashes)
        if not before.same_as(inventory) or (observation.legacy and not inventory.exists):
            inventory = inventories.write(client, before, instance, name)
        if observation.legacy:
            inventories.retire_legacy(client, instance)
        progress.step(f"{name}: applying {len(plan.writes)} object(s)")
        outcomes = apply_changes(client, discovery, plan.changes, options.concurrency, options.instance)
        if options.prune:
            outcomes += prune(client, discovery, plan)
        deleted = [o.key for o in outcomes if o.result == "pruned"]
        after = inventory.only(plan.inventory_after(deleted))
        if not after.same_as(inventory):
            inventories.write(client, after, instance, name)
        health = _health(plan, observation, outcomes)
        if options.wait and any(h.state != "ready" for h in health):
            selector = ownership_selector(options.instance)
            health = wait(
                client, discovery, health, options.timeout, selector, report=lambda s: progress.waiting(name, s)
            )
        return ClusterReport(name, "ok", plan=plan, outcomes=tuple(outcomes), health=tuple(health), waited=options.wait)
    except Unreachable as exc:
        return ClusterReport(name, "unreachable", f"unreachable: {exc}", dry_run=options.dry_run)
    except (KubeError, inventories.InventoryError) as exc:
        return ClusterReport(name, "failed", str(exc), dry_run=options.dry_run)
