"""Who may write what: the interface between the daemon's cycle and high availability.

The cycle asks the coordinator which clusters it owns, and asks `may_write()` right before each cluster write
and each database sync, so that a replica that lost its lease (or its shard) stops writing at once — the
fencing client-go's leader election gives. `term()` is recorded with each sync so the database can refuse a
sync from an older term. One replica alone owns everything: `SoloCoordinator`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Coordinator(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def owned_clusters(self, clusters: Sequence[str]) -> set[str]:
        """Those of `clusters` this replica may write to."""
        ...

    def may_write(self) -> bool:
        """False as soon as leadership cannot be renewed (fencing)."""
        ...

    def term(self) -> int:
        """The leader term recorded with each sync; a sync from a lower term is refused."""
        ...

    def syncs_metadata(self) -> bool:
        """Whether this replica syncs the commit's metadata (Keeper, Herald rows)."""
        ...


class SoloCoordinator:
    """A single replica: it owns every cluster, always may write, and syncs the metadata, in term 0."""

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def owned_clusters(self, clusters: Sequence[str]) -> set[str]:
        return set(clusters)

    def may_write(self) -> bool:
        return True

    def term(self) -> int:
        return 0

    def syncs_metadata(self) -> bool:
        return True
