"""Which pod a workspace runs in: read from its Workspace CR's status on the management cluster, then checked on
the tenant cluster to carry the workspace's labels, so a client never chooses a pod.

Clusters are reached through the kube layer (reconciler.kube.connect), with its refusals: a kubeconfig Secret
outside Butler's namespaces, or one whose users run commands on this host, is not used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reconciler.chambers.resources import OWNER_LABEL, sanitized_owner, workspace_namespace
from reconciler.kube.client import KubeClient, KubeError, Unreachable, object_path
from reconciler.kube.clusters import management_client
from reconciler.kube.connect import ConnectError, connect
from reconciler.model.butler import BUTLER_API_VERSION
from reconciler.model.kinds import Cluster, RepoModel, Workspace

POD_NAMESPACE = "workspaces"  # where Butler's controller runs workspace pods on the tenant cluster
CONTAINER = "workspace"
WORKSPACE_LABEL = "butler.butlerlabs.dev/workspace"


class PodUnavailable(Exception):
    """The workspace has no running pod the session may use; the message says why."""


@dataclass(frozen=True, slots=True)
class PodTarget:
    pod: str
    namespace: str
    container: str
    context: str  # the tenant cluster's kubeconfig context


def required_labels(workspace: Workspace) -> dict[str, str]:
    return {WORKSPACE_LABEL: workspace.name, OWNER_LABEL: sanitized_owner(workspace.owner)}


def find_pod(
    model: RepoModel,
    workspace: Workspace,
    management: Callable[[], KubeClient],
    tenant: Callable[[Cluster], KubeClient],
) -> PodTarget:
    """The running pod of `workspace` (blocking: run it off the event loop)."""
    cluster = model.clusters.get(workspace.cluster)
    if cluster is None:
        raise PodUnavailable(f"Cluster {workspace.cluster!r} is not declared")
    if not cluster.connection.context:
        raise PodUnavailable(f"Cluster {cluster.name!r} is not reached by a kubeconfig context; kubectl cannot exec")
    namespace = workspace_namespace(workspace, cluster)
    path = object_path(f"/apis/{BUTLER_API_VERSION}", "workspaces", namespace, workspace.name)
    try:
        resource = management().get(path)
        if resource is None:
            raise PodUnavailable(f"Workspace {namespace}/{workspace.name} does not exist on the management cluster")
        status = resource.get("status") or {}
        phase, pod_name = status.get("phase"), status.get("podName")
        if phase != "Running" or not isinstance(pod_name, str) or not pod_name:
            raise PodUnavailable(
                f"workspace {workspace.team}/{workspace.name} is not running (phase: {phase or 'unknown'})"
            )
        pod = tenant(cluster).get(object_path("/api/v1", "pods", POD_NAMESPACE, pod_name))
    except (KubeError, Unreachable, ConnectError) as exc:
        raise PodUnavailable(f"cannot look up the workspace's pod: {exc}") from None
    if pod is None:
        raise PodUnavailable(f"pod {POD_NAMESPACE}/{pod_name} of workspace {workspace.name} does not exist")
    labels = (pod.get("metadata") or {}).get("labels") or {}
    wanted = required_labels(workspace)
    if any(labels.get(k) != v for k, v in wanted.items()):
        raise PodUnavailable(f"pod {POD_NAMESPACE}/{pod_name} does not carry workspace {workspace.name}'s labels")
    return PodTarget(pod_name, POD_NAMESPACE, CONTAINER, cluster.connection.context)


def kube_pod_finder(kubeconfig: str | None, timeout: float) -> Callable[[RepoModel, str, str], PodTarget]:
    """find_pod with clients made through the kube layer for each lookup (the served commit may change)."""

    def find(model: RepoModel, team: str, name: str) -> PodTarget:
        management = management_client(model, kubeconfig, timeout)
        return find_pod(
            model,
            model.workspaces[(team, name)],
            management,
            lambda cluster: connect(cluster, kubeconfig, management, timeout=timeout),
        )

    return find
