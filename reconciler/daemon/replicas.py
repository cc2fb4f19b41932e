"""How replicas of the daemon share the work: one leader, or N shards of the clusters."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

import kubernetes
import yaml

from reconciler.daemon.leader import LeaderCoordinator
from reconciler.daemon.lease import Clock, LeaseTiming
from reconciler.daemon.sharding import ShardCoordinator
from reconciler.kube.connect import first_line, in_cluster_available

NO_HOME_CLUSTER = (
    "--leader-elect: the Leases live on the cluster the daemon runs in, and there is neither in-cluster config "
    "nor a kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config) whose current context reaches it"
)


class HomeClusterError(Exception):
    """The cluster that holds the Leases cannot be reached with the configuration at hand."""


def home_cluster_client(kubeconfig: str | None, environ: Mapping[str, str] = os.environ) -> kubernetes.client.ApiClient:
    """The cluster the daemon runs in: in-cluster config (the pod's service account) when available, else the
    current context of `kubeconfig` — the clusters it reconciles are reached through their own contexts."""
    configuration = kubernetes.client.Configuration()
    in_cluster = in_cluster_available(environ)
    if not in_cluster and not kubeconfig:
        raise HomeClusterError(NO_HOME_CLUSTER)
    try:
        if in_cluster:
            kubernetes.config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        else:
            kubernetes.config.load_kube_config(
                config_file=kubeconfig, client_configuration=configuration, persist_config=False
            )
    except (kubernetes.config.ConfigException, yaml.YAMLError, OSError, ValueError, TypeError) as exc:
        where = "in-cluster config" if in_cluster else f"the current context of kubeconfig {kubeconfig}"
        raise HomeClusterError(f"--leader-elect: {where}: {first_line(exc)}") from None
    return kubernetes.client.ApiClient(configuration)


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
