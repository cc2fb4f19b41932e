"""The inventory: per Cluster document, a ConfigMap `portal-inventory-<instance>-<cluster>` in `portal-system`
listing every object we applied, with its hash. One per Cluster document, not per server: two Cluster
documents that reach the same API server must never see (and prune) each other's objects.

It is written as old ∪ new *before* applying and trimmed *after*, so a crash at any point leaves every object
we may have created listed, and a later run can prune it. It is written only when the set of objects changes:
a run that changes nothing writes nothing, and an update writes only the object.
"""

from __future__ import annotations

import base64
import binascii
import gzip
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.kube.client import KubeClient, KubeError, object_path
from reconciler.kube.objects import ObjectKey, ownership_selector
from reconciler.model.ownership import INSTANCE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE

INVENTORY_NAMESPACE = "portal-system"
_DATA_KEY = "objects"
_COMPRESSED_KEY = "objects.gz"
# A ConfigMap holds at most 1 MiB; a long list (about 3,000 objects and more) is stored gzipped instead.
_COMPRESS_ABOVE = 256 * 1024


class InventoryError(Exception):
    """The inventory on the cluster cannot be read; nothing is applied there until it is repaired."""


def inventory_name(instance: str, cluster: str) -> str:
    return f"{legacy_name(instance)}-{cluster}"


def legacy_name(instance: str) -> str:
    """The one inventory per server that earlier versions kept; migrated by `claim_legacy`."""
    return f"portal-inventory-{instance}"


@dataclass(frozen=True, slots=True)
class Inventory:
    """Object → the desired hash we last applied (or are about to apply)."""

    entries: Mapping[ObjectKey, str] = field(default_factory=dict)
    exists: bool = False  # whether the ConfigMap is on the cluster

    def __len__(self) -> int:
        return len(self.entries)

    def merged(self, new: Mapping[ObjectKey, str]) -> Inventory:
        """old ∪ new; new hashes win."""
        return Inventory({**self.entries, **new}, self.exists)

    def only(self, keys: Mapping[ObjectKey, str]) -> Inventory:
        return Inventory(dict(keys), self.exists)

    def same_as(self, other: Inventory) -> bool:
        """Whether both list the same objects (an absent inventory lists nothing).

        Only membership makes a write: it is what crash safety and prune need. Hashes ride along whenever the
        inventory is written, and the object's own annotation always carries its current one, so changing an
        object costs exactly one write — the object's.
        """
        return self.entries.keys() == other.entries.keys()


def decode(configmap: Mapping[str, Any] | None, instance: str) -> Inventory:
    if configmap is None:
        return Inventory()
    owner = ((configmap.get("metadata") or {}).get("labels") or {}).get(INSTANCE_LABEL)
    if owner != instance:
        # Names of two instances can meet ("a" + "b-c", "a-b" + "c"): never take another's list for ours.
        raise InventoryError(
            f"{INVENTORY_NAMESPACE}/{configmap['metadata']['name']} belongs to instance {owner!r}, not {instance!r}"
        )
    text = (configmap.get("data") or {}).get(_DATA_KEY) or ""
    compressed = (configmap.get("binaryData") or {}).get(_COMPRESSED_KEY)
    if compressed:
        try:
            text = gzip.decompress(base64.b64decode(compressed)).decode()
        except (binascii.Error, OSError, EOFError, UnicodeDecodeError):
            # Without a readable inventory we could forget objects: stop rather than overwrite it.
            raise InventoryError(f"{INVENTORY_NAMESPACE}/{configmap['metadata']['name']} is unreadable") from None
    entries: dict[ObjectKey, str] = {}
    for line in text.splitlines():
        digest, _, rest = line.partition(" ")
        try:
            entries[ObjectKey.decode(rest)] = digest
        except ValueError:
            continue  # a hand-edited line we cannot read names nothing we could prune safely
    return Inventory(entries, exists=True)


def encode(inventory: Inventory, instance: str, cluster: str) -> dict[str, Any]:
    lines = sorted(f"{digest} {key.encode()}" for key, digest in inventory.entries.items())
    text = "".join(f"{line}\n" for line in lines)
    if len(text) > _COMPRESS_ABOVE:
        packed = base64.b64encode(gzip.compress(text.encode(), mtime=0)).decode()
        content: dict[str, Any] = {"binaryData": {_COMPRESSED_KEY: packed}}
    else:
        content = {"data": {_DATA_KEY: text}}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": inventory_name(instance, cluster),
            "namespace": INVENTORY_NAMESPACE,
            "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE, INSTANCE_LABEL: instance},
        },
        **content,
    }


def _configmap_path(name: str) -> str:
    return object_path("/api/v1", "configmaps", INVENTORY_NAMESPACE, name)


def read(client: KubeClient, instance: str, cluster: str) -> Inventory:
    return decode(client.get(_configmap_path(inventory_name(instance, cluster))), instance)


def read_legacy(client: KubeClient, instance: str) -> Inventory:
    return decode(client.get(_configmap_path(legacy_name(instance))), instance)


def claim_legacy(legacy: Inventory, desired: Collection[ObjectKey]) -> Inventory:
    """A Cluster document's share of the old per-server inventory: the entries of the objects it desires.

    The rest may be another Cluster document's on the same server, so no one claims them by default.
    """
    wanted = set(desired)
    return Inventory({key: digest for key, digest in legacy.entries.items() if key in wanted})


def write(client: KubeClient, inventory: Inventory, instance: str, cluster: str) -> Inventory:
    """Store the inventory (creating its namespace the first time); returns it as now stored."""
    if not inventory.exists:
        namespace = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": INVENTORY_NAMESPACE, "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE}},
        }
        client.apply(object_path("/api/v1", "namespaces", "", INVENTORY_NAMESPACE), namespace, force=True)
    path = _configmap_path(inventory_name(instance, cluster))
    client.apply(path, encode(inventory, instance, cluster), force=True)
    return Inventory(inventory.entries, exists=True)


def retire_legacy(client: KubeClient, instance: str) -> None:
    """Delete the old per-server inventory once every entry in it is listed by a per-Cluster one. An entry no
    Cluster document claims keeps it (and its object) in place."""
    legacy = client.get(_configmap_path(legacy_name(instance)))
    if legacy is None:
        return
    listed: set[ObjectKey] = set()
    prefix = f"{legacy_name(instance)}-"
    for configmap in client.list(
        object_path("/api/v1", "configmaps", INVENTORY_NAMESPACE), ownership_selector(instance)
    ):
        if configmap["metadata"]["name"].startswith(prefix):
            listed.update(decode(configmap, instance).entries)
    if not decode(legacy, instance).entries.keys() <= listed:
        return
    try:
        client.delete(_configmap_path(legacy_name(instance)), str(legacy["metadata"].get("uid") or ""))
    except KubeError as exc:
        if exc.status not in (404, 409):  # gone already, or replaced meanwhile: left for the next run
            raise


def is_inventory(key: ObjectKey, instance: str) -> bool:
    """Inventories carry our labels too; they are never desired, listed or pruned as objects."""
    return (
        key.kind == "ConfigMap"
        and key.namespace == INVENTORY_NAMESPACE
        and (key.name == legacy_name(instance) or key.name.startswith(f"{legacy_name(instance)}-"))
    )
