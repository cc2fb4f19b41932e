"""Facts of Butler's API that several layers share: its API version, and where it keeps kubeconfig Secrets."""

from __future__ import annotations

from reconciler.model.kinds import Cluster

BUTLER_API_VERSION = "butler.butlerlabs.dev/v1alpha1"
# Where Butler keeps kubeconfig Secrets besides a TenantCluster's own namespaces.
BUTLER_NAMESPACE = "butler-system"


def secret_namespaces(cluster: Cluster, tenant_namespace: str | None = None) -> frozenset[str]:
    """Where a Cluster's kubeconfig Secret may live: `butler-system`, and its TenantCluster's namespace and
    `status.tenantNamespace` (known only by reading the TenantCluster on the management cluster)."""
    tenant = cluster.tenant_cluster_ref.namespace if cluster.tenant_cluster_ref else None
    return frozenset(n for n in (BUTLER_NAMESPACE, tenant, tenant_namespace) if n)
