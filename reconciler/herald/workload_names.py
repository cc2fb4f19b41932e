"""What the Vector workloads (`workloads`) are called, and the identities of the objects each (cluster, role)
gets, spelled without building them: validation's identity check reads these after a Pipeline edit, without the
module that builds the objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from reconciler.herald.placing import placement_sets
from reconciler.model.identity import CompiledIdentity, ObjectKey
from reconciler.model.kinds import Pipeline, RepoModel

RBAC_API = "rbac.authorization.k8s.io/v1"


@dataclass(frozen=True, slots=True)
class WorkloadSettings:
    """How Vector runs; the image is pinned so that a Vector upgrade is a reviewed change."""

    image: str = "timberio/vector:0.55.0-alpine"
    namespace: str = "vector"
    resources: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: {
            "requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        }
    )
    aggregator_replicas: int = 2
    aggregator_storage: str = "10Gi"


DEFAULT_SETTINGS = WorkloadSettings()


def workload_name(role: str) -> str:
    """The name of a role's ServiceAccount, ConfigMap and workload."""
    return f"vector-{role}"


def rbac_name(namespace: str, role: str) -> str:
    return f"portal-{namespace}-{workload_name(role)}"  # cluster-scoped: the namespace keeps it unique


def headless_name(role: str) -> str:
    return f"{workload_name(role)}-headless"


def uses_kubernetes_logs(sources: Mapping[str, Mapping[str, Any]]) -> bool:
    return any(body.get("type") == "kubernetes_logs" for body in sources.values())


def _placed(model: RepoModel) -> dict[tuple[str, str], tuple[Pipeline, bool]]:
    """(cluster, role) → the first pipeline placed there by name, and whether any there reads kubernetes_logs;
    worked out once per set of pipelines that run together, as the places that share one share the answer."""
    logs_of: dict[tuple[int, ...], bool] = {}
    placed: dict[tuple[str, str], tuple[Pipeline, bool]] = {}
    for place, key, pipelines in placement_sets(model):
        if key not in logs_of:
            logs_of[key] = any(uses_kubernetes_logs(p.sources) for p in pipelines)
        placed[place] = (pipelines[0], logs_of[key])
    return placed


def identities(model: RepoModel, settings: WorkloadSettings = DEFAULT_SETTINGS) -> Iterator[CompiledIdentity]:
    """What `workloads.workload_objects` compiles, by identity only, without compiling a config. The objects of a
    (cluster, role) are shared by the pipelines placed there, by design: each is attributed to the first."""
    namespace = ObjectKey("v1", "Namespace", "", settings.namespace)
    with_namespace: set[str] = set()
    for (cluster, role), (first, logs) in sorted(_placed(model).items()):
        if cluster not in with_namespace:
            with_namespace.add(cluster)
            yield CompiledIdentity(cluster, namespace, first.doc)
        keys = _role_keys(settings.namespace, role, logs)
        yield from (CompiledIdentity(cluster, key, first.doc) for key in keys)


@cache
def _role_keys(namespace: str, role: str, logs: bool) -> tuple[ObjectKey, ...]:
    """The objects `role_objects` makes for a role in `namespace`: the same on every cluster."""
    name = workload_name(role)
    keys = [ObjectKey("v1", "ServiceAccount", namespace, name), ObjectKey("v1", "ConfigMap", namespace, name)]
    if logs:
        rbac = rbac_name(namespace, role)
        keys += [ObjectKey(RBAC_API, kind, "", rbac) for kind in ("ClusterRole", "ClusterRoleBinding")]
    if role == "agent":
        keys.append(ObjectKey("apps/v1", "DaemonSet", namespace, name))
    else:
        keys += [ObjectKey("v1", "Service", namespace, headless_name(role))]
        keys += [ObjectKey("apps/v1", "StatefulSet", namespace, name)]
    return tuple(keys)
