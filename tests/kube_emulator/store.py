"""Objects, the global resourceVersion, and the event history that watches replay and follow.

Everything here runs on the emulator's event loop thread; only snapshots leave it.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .managed_fields import ManagerEntry

ResourceKey = tuple[str, str]  # (group, plural): all versions of a resource share one store, as in etcd
ObjectKey = tuple[str, str]  # (namespace or "", name)

# How many events a watch can resume from; older resourceVersions get 410 Gone, as after etcd compaction.
HISTORY_LENGTH = 20_000


@dataclass
class StoredObject:
    body: dict[str, Any]
    managers: list[ManagerEntry] = field(default_factory=list)

    @property
    def namespace(self) -> str:
        return str(self.body["metadata"].get("namespace") or "")

    @property
    def name(self) -> str:
        return str(self.body["metadata"]["name"])

    @property
    def resource_version(self) -> int:
        return int(self.body["metadata"]["resourceVersion"])


@dataclass(frozen=True)
class WatchEvent:
    resource_version: int
    type: str  # ADDED, MODIFIED, DELETED
    resource: ResourceKey
    body: dict[str, Any]
    previous: dict[str, Any] | None


@dataclass(eq=False)  # watchers are distinct subscriptions, compared and hashed by identity
class Watcher:
    resource: ResourceKey
    queue: asyncio.Queue[WatchEvent | None] = field(default_factory=asyncio.Queue)


class Store:
    def __init__(self) -> None:
        self._objects: dict[ResourceKey, dict[ObjectKey, StoredObject]] = {}
        self._resource_version = itertools.count(1)
        self.current_resource_version = 0
        self.history: deque[WatchEvent] = deque(maxlen=HISTORY_LENGTH)
        self.watchers: set[Watcher] = set()
        # Listeners run synchronously after each event (e.g. CRD registration); they must not raise.
        self.listeners: list[Callable[[WatchEvent], None]] = []

    def next_resource_version(self) -> str:
        self.current_resource_version = next(self._resource_version)
        return str(self.current_resource_version)

    def get(self, resource: ResourceKey, namespace: str, name: str) -> StoredObject | None:
        return self._objects.get(resource, {}).get((namespace, name))

    def objects(self, resource: ResourceKey, namespace: str | None = None) -> list[StoredObject]:
        objects = self._objects.get(resource, {})
        keys = sorted(key for key in objects if namespace is None or key[0] == namespace)
        return [objects[key] for key in keys]

    def resources(self) -> list[ResourceKey]:
        return list(self._objects)

    def save(self, resource: ResourceKey, stored: StoredObject, previous: dict[str, Any] | None) -> None:
        """Store an object whose body already carries its new resourceVersion, and tell the watchers."""
        self._objects.setdefault(resource, {})[(stored.namespace, stored.name)] = stored
        self._emit(
            WatchEvent(
                stored.resource_version,
                "MODIFIED" if previous else "ADDED",
                resource,
                copy.deepcopy(stored.body),
                previous,
            )
        )

    def remove(self, resource: ResourceKey, stored: StoredObject) -> None:
        """Forget an object; its body carries the resourceVersion of the deletion, as the real DELETED event."""
        self._objects.get(resource, {}).pop((stored.namespace, stored.name), None)
        self._emit(WatchEvent(stored.resource_version, "DELETED", resource, copy.deepcopy(stored.body), None))

    def _emit(self, event: WatchEvent) -> None:
        self.history.append(event)
        for watcher in list(self.watchers):
            if watcher.resource == event.resource:
                watcher.queue.put_nowait(event)
        for listener in self.listeners:
            listener(event)

    def events_since(self, resource: ResourceKey, resource_version: int) -> list[WatchEvent] | None:
        """Events after `resource_version`, or None when the history no longer reaches back that far."""
        full = len(self.history) == self.history.maxlen
        if full and resource_version < self.history[0].resource_version - 1:
            return None
        return [e for e in self.history if e.resource == resource and e.resource_version > resource_version]
