"""Every selected cluster at once: which clusters, in which order, how each is reached, and one
reconcile (or plan) per cluster; what `reconcile` and `plan` share.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reconciler.kube.client import FENCED, KubeClient
from reconciler.kube.cluster_reconcile import ClusterReport, Progress, reconcile_cluster
from reconciler.kube.connect import ConnectError, connect, context_servers
from reconciler.kube.fenced_send import WriteFence
from reconciler.kube.objects import key_of
from reconciler.kube.servers import contested_objects, server_identity
from reconciler.model.kinds import Cluster, RepoModel
from reconciler.settings import ApplyOptions, ClusterSettings

MAX_CONNECTIONS_AT_ONCE = 8


class UnknownCluster(ValueError):
    """A selected name that no Cluster document has."""


def select_clusters(model: RepoModel, names: Sequence[str]) -> list[Cluster]:
    """The named Cluster documents (all when none are named), the management cluster first, then by name: the
    management cluster holds the Secrets that reach the others."""
    unknown = sorted(set(names) - set(model.clusters))
    if unknown:
        raise UnknownCluster(f"no Cluster named {', '.join(unknown)} (known: {', '.join(sorted(model.clusters))})")
    selected = [c for name, c in sorted(model.clusters.items()) if not names or name in names]
    selected.sort(key=lambda c: c.role != "management")
    return selected


def management_client(model: RepoModel, kubeconfig: str | None, timeout: float) -> Callable[[], KubeClient]:
    """The management cluster's client, made once and only when a kubeconfig Secret has to be read from it."""
    lock = threading.Lock()
    made: list[KubeClient] = []

    def get() -> KubeClient:
        with lock:
            if not made:
                management = model.management_cluster
                if management is None:
                    raise ConnectError("there is no management cluster to read its kubeconfig Secret from")
                made.append(connect(management, kubeconfig, timeout=timeout))
            return made[0]

    return get


def run_clusters(
    model: RepoModel,
    manifests: Mapping[str, list[dict[str, Any]]],
    clusters: Sequence[Cluster],
    settings: ClusterSettings,
    kubeconfig: str | None,
    options: ApplyOptions,
    progress: Progress | None = None,
    fence: Callable[[str], WriteFence] | None = None,
) -> list[ClusterReport]:
    """Reconcile (or, with `options.dry_run`, plan) each of `clusters` at once towards its `manifests` (cluster
    name → the objects it should hold: a build's); one that cannot be reached is
    reported and the others carry on. An object wanted by two Cluster documents on one API server is applied by
    neither, and reported for both. `fence(cluster)` is asked before each cluster and each write to it (the
    daemon's fencing): a cluster it says no to is left alone and reported failed."""
    management = management_client(model, kubeconfig, settings.request_timeout)

    def connected(cluster: Cluster) -> KubeClient | ConnectError:
        try:
            return connect(
                cluster,
                kubeconfig,
                management,
                settings.concurrency,
                settings.request_timeout,
                settings.allow_kubeconfig_exec,
            )
        except ConnectError as exc:
            return exc

    workers = max(1, min(MAX_CONNECTIONS_AT_ONCE, len(clusters)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        clients = dict(zip((c.name for c in clusters), pool.map(connected, clusters), strict=True))
    contested = contested_objects(
        _servers(model, clients, kubeconfig),
        {name: [key_of(o) for o in objects] for name, objects in manifests.items()},
    )

    def one(cluster: Cluster) -> ClusterReport:
        client = clients[cluster.name]
        if isinstance(client, ConnectError):
            return ClusterReport(cluster.name, "unreachable", f"cannot connect: {client}")
        if fence is not None and not options.dry_run:
            client.fence = fence(cluster.name)
            if not client.fence.allows():
                return ClusterReport(cluster.name, "failed", FENCED)
        desired = manifests.get(cluster.name, [])
        return reconcile_cluster(
            cluster.name, client, desired, cluster.drift, options, progress or Progress(), contested.get(cluster.name)
        )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, clusters))


def _servers(
    model: RepoModel, clients: Mapping[str, KubeClient | ConnectError], kubeconfig: str | None
) -> dict[str, str]:
    """The API server of every Cluster document we can tell without a request: the selected ones as connected,
    and the others reached through a kubeconfig context (a Secret would have to be read)."""
    servers = {name: server_identity(c.server) for name, c in clients.items() if isinstance(c, KubeClient)}
    by_context = context_servers(kubeconfig)
    for name, cluster in model.clusters.items():
        context = cluster.connection.context
        if name not in clients and context in by_context:
            servers[name] = server_identity(by_context[context])
    return servers
