"""How Clusters are reached: no two Cluster documents share a connection (they would share a server and each
other's objects), and a kubeconfig Secret is read only from where Butler keeps them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from reconciler.model import Diagnostic, error
from reconciler.model.butler import BUTLER_NAMESPACE, secret_namespaces
from reconciler.model.checks import CheckContext
from reconciler.model.kinds import Cluster


def connection_identity(cluster: Cluster) -> tuple[str, ...]:
    """What reaches the same server: one context of the kubeconfig, one Secret key, or the in-cluster account."""
    connection = cluster.connection
    if connection.context:
        return ("context", connection.context)
    if connection.kubeconfig_secret_ref is not None:
        ref = connection.kubeconfig_secret_ref
        return ("secret", ref.namespace or "", ref.name, ref.key)
    return ("inCluster",) if connection.in_cluster else ("none", cluster.name)


def _described(identity: tuple[str, ...]) -> str:
    if identity[0] == "context":
        return f"context {identity[1]!r}"
    if identity[0] == "secret":
        return f"kubeconfig Secret {identity[1]}/{identity[2]} (key {identity[3]!r})"
    return "the in-cluster service account"


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    sharing: dict[tuple[str, ...], list[Cluster]] = defaultdict(list)
    for cluster in ctx.model.clusters.values():
        sharing[connection_identity(cluster)].append(cluster)
    for identity, clusters in sharing.items():
        clusters.sort(key=lambda c: (c.doc.path, c.doc.index))
        first = clusters[0]
        for other in clusters[1:]:
            yield error(
                f"spec.connection: Cluster {other.name!r} ({other.doc.path}) and Cluster {first.name!r} "
                f"({first.doc.location('spec', 'connection')}) use the same connection, {_described(identity)}; "
                "each would take the other's objects for its own",
                other.doc.location("spec", "connection"),
                other.doc.subject,
            )
    for cluster in ctx.model.clusters.values():
        ref = cluster.connection.kubeconfig_secret_ref
        # With a TenantCluster, its status.tenantNamespace may allow more: only the reconciler can tell.
        if ref is None or cluster.tenant_cluster_ref is not None or ref.namespace in secret_namespaces(cluster):
            continue
        yield error(
            f"spec.connection.kubeconfigSecretRef.namespace: {ref.namespace!r} is not where Butler keeps "
            f"kubeconfigs; without a tenantClusterRef only {BUTLER_NAMESPACE!r} is allowed",
            cluster.doc.location("spec", "connection", "kubeconfigSecretRef", "namespace"),
            cluster.doc.subject,
        )
