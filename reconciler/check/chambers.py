"""Chambers' part of the check: workspaces created, changed or removed, and the quota use of every cluster they
are on, before → after, against its limits."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from reconciler.chambers.checks import human_quantity, requested
from reconciler.kube.diff import Entry, entries
from reconciler.model.kinds import Cluster, RepoModel, Workspace
from reconciler.model.units import parse_quantity

WorkspaceChangeKind = Literal["created", "changed", "removed"]
# What a cluster limits, in the order shown (by maxWorkspaces and resourceQuota's maxCPU, maxMemory, maxStorage).
_LIMITED = ("workspaces", "cpu", "memory", "storage")


@dataclass(frozen=True, slots=True)
class WorkspaceChange:
    team: str
    name: str
    cluster: str
    change: WorkspaceChangeKind
    entries: tuple[Entry, ...]  # spec entries added, removed or changed (for "changed")


@dataclass(frozen=True, slots=True)
class QuotaUse:
    resource: str  # workspaces, cpu, memory, storage
    before: str
    after: str
    limit: str  # the head's limit ("" when the cluster is gone)


@dataclass(frozen=True, slots=True)
class ClusterQuota:
    cluster: str
    uses: tuple[QuotaUse, ...]


@dataclass(frozen=True, slots=True)
class ChambersPart:
    workspaces: tuple[WorkspaceChange, ...]
    quotas: tuple[ClusterQuota, ...]

    @property
    def empty(self) -> bool:
        return not (self.workspaces or self.quotas)


def _spec(ws: Workspace) -> dict[str, object]:
    return dict(ws.doc.spec)


def workspace_changes(base: RepoModel, head: RepoModel, declared: Collection[str]) -> tuple[WorkspaceChange, ...]:
    """`declared`: the head's Workspace names, invalid ones included (one the change breaks is not removed)."""
    changes = []
    for key in sorted(base.workspaces.keys() | head.workspaces.keys()):
        old, new = base.workspaces.get(key), head.workspaces.get(key)
        if new is None and old is not None and old.name not in declared:
            changes.append(WorkspaceChange(*key, old.cluster, "removed", ()))
        elif old is None and new is not None:
            changes.append(WorkspaceChange(*key, new.cluster, "created", ()))
        elif old is not None and new is not None and old.doc.body != new.doc.body:
            changes.append(WorkspaceChange(*key, new.cluster, "changed", entries(_spec(old), _spec(new))))
    return tuple(changes)


def _totals(model: RepoModel, cluster: str) -> dict[str, Decimal] | None:
    """What the cluster's workspaces ask for in total, or None when a quantity is not one (validation says where)."""
    placed = [ws for ws in model.workspaces.values() if ws.cluster == cluster]
    totals = {"workspaces": Decimal(len(placed)), "cpu": Decimal(), "memory": Decimal(), "storage": Decimal()}
    try:
        for ws in placed:
            for resource, amount in requested(ws, model).items():
                totals[resource] += parse_quantity(amount)
    except ValueError:
        return None
    return totals


def _shown(totals: dict[str, Decimal] | None, resource: str) -> str:
    if totals is None:
        return "?"
    amount = totals[resource]
    return str(int(amount)) if resource == "workspaces" else human_quantity(amount, resource)


def _limits(cluster: Cluster | None) -> dict[str, str]:
    if cluster is None:
        return {}
    quota = cluster.workspaces.resource_quota
    return {
        "workspaces": str(cluster.workspaces.max_workspaces),
        "cpu": quota.max_cpu,
        "memory": quota.max_memory,
        "storage": quota.max_storage,
    }


def cluster_quotas(base: RepoModel, head: RepoModel, clusters: Iterable[str]) -> tuple[ClusterQuota, ...]:
    result = []
    for name in sorted(set(clusters)):
        before, after = _totals(base, name), _totals(head, name)
        limits = _limits(head.clusters.get(name))
        uses = tuple(
            QuotaUse(resource, _shown(before, resource), _shown(after, resource), limits.get(resource, ""))
            for resource in _LIMITED
        )
        result.append(ClusterQuota(name, uses))
    return tuple(result)


def chambers_part(base: RepoModel, head: RepoModel, declared: Collection[str]) -> ChambersPart:
    changes = workspace_changes(base, head, declared)
    affected = {c.cluster for c in changes}
    # A workspace that moves leaves its base cluster too.
    affected |= {base.workspaces[(c.team, c.name)].cluster for c in changes if c.change != "created"}
    # So does a cluster whose limits change.
    affected |= {
        n for n, c in head.clusters.items() if n in base.clusters and base.clusters[n].workspaces != c.workspaces
    }
    return ChambersPart(changes, cluster_quotas(base, head, affected))
