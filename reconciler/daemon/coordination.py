"""Who may write what: the interface between the daemon's cycle and high availability.

The cycle asks the coordinator which clusters it owns, and asks `may_write()` right before each cluster write
and each database sync, so that a replica that lost its lease (or its shard) stops writing at once — the
fencing client-go's leader election gives. `fences()` are claimed by each database write, so the database
refuses a write from an older term. One replica alone owns everything: `SoloCoordinator`; several share the
work through Leases (`replicas.coordinator_for`: one leader, or shards).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from reconciler.db.fencing import Fence
from reconciler.kube.fenced_send import WriteFence


class Coordinator(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def on_gain(self, listener: Callable[[], None]) -> None:
        """Call `listener` (from the election's thread) whenever this replica gains clusters to write: it took
        the leader Lease or a shard, so the daemon applies them at once rather than at the next interval."""
        ...

    def owned_clusters(self, clusters: Sequence[str]) -> set[str]:
        """Those of `clusters` this replica may write to."""
        ...

    def may_write(self) -> bool:
        """False as soon as leadership cannot be renewed (fencing)."""
        ...

    def write_fence(self, cluster: str) -> WriteFence:
        """What each write to `cluster` asks right before its body is sent (whether this replica may still write
        to it), and how long the API server is given to execute it."""
        ...

    def term(self) -> int:
        """The leader term this replica writes under."""
        ...

    def syncs_metadata(self) -> bool:
        """Whether this replica syncs the commit's metadata (Keeper, Herald rows)."""
        ...

    def fences(self, clusters: Iterable[str] = (), *, metadata: bool = False) -> list[Fence]:
        """What a database write about `clusters` (and the metadata) claims: refused once a later term wrote."""
        ...


class SoloCoordinator:
    """A single replica: it owns every cluster, always may write, and syncs the metadata, in term 0."""

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def on_gain(self, listener: Callable[[], None]) -> None:
        return None  # it owns every cluster from the start

    def owned_clusters(self, clusters: Sequence[str]) -> set[str]:
        return set(clusters)

    def may_write(self) -> bool:
        return True

    def write_fence(self, cluster: str) -> WriteFence:
        return WriteFence(self.may_write)  # no lease: no successor to keep a late write from

    def term(self) -> int:
        return 0

    def syncs_metadata(self) -> bool:
        return True

    def fences(self, clusters: Iterable[str] = (), *, metadata: bool = False) -> list[Fence]:
        return []  # nobody else writes


class GainListeners:
    """The listeners of `Coordinator.on_gain`, told when the set of what a replica may write grows."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def add(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def compare(self, before: set[int], after: set[int]) -> None:
        if after - before:
            for listener in self._listeners:
                listener()
