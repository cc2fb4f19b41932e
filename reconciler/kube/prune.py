"""Deleting what is no longer desired, safely: only the plan's unrefused candidates (in our inventory, carrying
our labels), in reverse apply order, each bound to the uid we listed so a same-named successor survives.
"""

from __future__ import annotations

from reconciler.kube.client import KubeClient, KubeError, Unreachable
from reconciler.kube.cluster_plan import ClusterPlan
from reconciler.kube.discovery import Discovery, KindUnavailable
from reconciler.kube.outcome import Outcome


def prune(client: KubeClient, discovery: Discovery, plan: ClusterPlan) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for candidate in plan.prunes:
        key = candidate.key
        if candidate.refused:
            outcomes.append(Outcome(key, "prune refused", candidate.refused))
            continue
        try:
            client.delete(discovery.resource_of(key).path(key), candidate.uid)
        except KubeError as exc:
            if exc.status == 404:
                outcomes.append(Outcome(key, "pruned", "already gone"))
            elif exc.status == 409:
                outcomes.append(Outcome(key, "prune skipped", "replaced by an object we did not list; left alone"))
            else:
                outcomes.append(Outcome(key, "prune failed", str(exc)))
            continue
        except (KindUnavailable, Unreachable) as exc:
            outcomes.append(Outcome(key, "prune failed", str(exc)))
            continue
        outcomes.append(Outcome(key, "pruned"))
    return outcomes
