"""What cluster_status keeps of one cluster's report, computed without the database driver: the daemon's metrics
count the same outcomes, and a daemon that records nothing (--no-db) need not load psycopg for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the kube package is only needed for its types here
    from reconciler.kube.cluster_reconcile import ClusterReport

ClusterResult = Literal["applied", "failed", "skipped"]
Health = Literal["healthy", "progressing", "degraded", "unknown"]
APPLIED = frozenset({"created", "configured", "drift corrected"})
DRIFTED = frozenset({"drift corrected", "drift reported"})


@dataclass(frozen=True, slots=True)
class ClusterOutcome:
    cluster: str
    result: ClusterResult
    objects_applied: int = 0
    objects_pruned: int = 0
    objects_drifted: int = 0
    health: Health = "unknown"
    message: str = ""


def cluster_health(report: ClusterReport) -> Health:
    states = {h.state for h in report.health}
    if not states:
        return "unknown"
    if "failed" in states:
        return "degraded"
    return "progressing" if "progressing" in states else "healthy"


def cluster_outcome(report: ClusterReport) -> ClusterOutcome:
    """What cluster_status keeps of one cluster's report."""
    return ClusterOutcome(
        cluster=report.cluster,
        result="failed" if report.failed else "applied",
        objects_applied=sum(1 for o in report.outcomes if o.result in APPLIED),
        objects_pruned=sum(1 for o in report.outcomes if o.result == "pruned"),
        objects_drifted=sum(1 for o in report.outcomes if o.result in DRIFTED),
        health=cluster_health(report),
        message=report.error
        or next((o.message for o in report.outcomes if o.failed and o.message), "")
        or next(iter(report.plan.errors if report.plan else ()), ""),
    )
