"""How replicas of the daemon share the work: one leader, or N shards of the clusters."""

from __future__ import annotations

import time

import kubernetes

from reconciler.daemon.leader import LeaderCoordinator
from reconciler.daemon.lease import Clock, LeaseTiming
from reconciler.daemon.sharding import ShardCoordinator


def coordinator_for(
    api_client: kubernetes.client.ApiClient,
    namespace: str,
    identity: str,
    shards: int = 1,
    *,
    instance: str = "default",
    timing: LeaseTiming | None = None,
    clock: Clock = time.monotonic,
) -> LeaderCoordinator | ShardCoordinator:
    """The coordinator of `portal daemon --identity … --shards N --instance …`, on Leases in `namespace` of the
    management cluster: `portal-<instance>-leader` for one shard, else `portal-<instance>-shard-0` …
    `portal-<instance>-shard-<N-1>` and one `portal-<instance>-member-…` per replica."""
    api = kubernetes.client.CoordinationV1Api(api_client)
    if shards <= 1:
        return LeaderCoordinator(api, namespace, identity, instance=instance, timing=timing, clock=clock)
    return ShardCoordinator(api, namespace, identity, shards, instance=instance, timing=timing, clock=clock)
