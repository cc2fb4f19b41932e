"""The Kubernetes objects that run Vector on each target cluster: one workload per role, fed by a ConfigMap.

Role `agent` is a DaemonSet (one Vector per node, reading node-local logs); role `aggregator` is a StatefulSet
behind a headless Service (stable identities and a volume each, for disk buffers). The config hash is a
pod-template annotation, so a config change rolls the pods and nothing else does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reconciler.herald.merge import MergedConfig
from reconciler.herald.workload_names import (
    DEFAULT_SETTINGS,
    RBAC_API,
    WorkloadSettings,
    headless_name,
    rbac_name,
    uses_kubernetes_logs,
    workload_name,
)
from reconciler.model.kinds import EnvVar
from reconciler.model.ownership import ownership_labels

if TYPE_CHECKING:
    from reconciler.herald.compile import RenderedConfig

CONFIG_HASH_ANNOTATION = "portal.butlerlabs.dev/vector-config-hash"
PIPELINES_ANNOTATION = "portal.butlerlabs.dev/pipelines"
CONFIG_FILE = "vector.yaml"
CONFIG_MOUNT = "/etc/vector"
DEFAULT_DATA_DIR = "/var/lib/vector"  # Vector's own default when `data_dir` is not set
_PORT = re.compile(r":(\d{1,5})$")


@dataclass(frozen=True, slots=True)
class _Context:
    """What every object of one (cluster, role) shares."""

    merged: MergedConfig
    settings: WorkloadSettings
    labels: Mapping[str, str]
    annotations: Mapping[str, str]

    @property
    def name(self) -> str:
        return workload_name(self.merged.role)

    @property
    def selector(self) -> dict[str, str]:
        return {"app.kubernetes.io/name": "vector", "app.kubernetes.io/component": self.merged.role}

    def metadata(self, name: str | None = None, namespaced: bool = True, **extra: Any) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "name": name or self.name,
            "labels": {**self.labels, **self.selector},
            "annotations": dict(self.annotations),
        }
        if namespaced:
            meta["namespace"] = self.settings.namespace
        for key, value in extra.items():
            meta[key] = {**meta.get(key, {}), **value}
        return meta


def _env(variables: tuple[EnvVar, ...], role: str) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = []
    for var in variables:
        if var.secret_ref is not None:
            ref = {"name": var.secret_ref.name, "key": var.secret_ref.key}
            env.append({"name": var.name, "valueFrom": {"secretKeyRef": ref}})
        else:
            env.append({"name": var.name, "value": var.value or ""})
    # kubernetes_logs finds its node's pods through this variable.
    if role == "agent":
        env.append({"name": "VECTOR_SELF_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}})
    env.append({"name": "VECTOR_SELF_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
    env.append({"name": "VECTOR_SELF_POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}})
    return env


def _listening_ports(config: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(name, port) of every address a source or the API listens on, so the Service can expose them."""
    found: dict[int, str] = {}

    def add(name: str, address: Any) -> None:
        match = _PORT.search(address) if isinstance(address, str) else None
        if match:
            found.setdefault(int(match.group(1)), name)

    api = config.get("api")
    if isinstance(api, Mapping) and api.get("enabled"):
        add("api", api.get("address", "127.0.0.1:8686"))
    for cid, body in sorted(config.get("sources", {}).items()):
        add(cid, body.get("address"))
        for protocol in ("grpc", "http"):
            nested = body.get(protocol)
            if isinstance(nested, Mapping):
                add(f"{cid}-{protocol}", nested.get("address"))
    return [(_port_name(name), port) for port, name in sorted(found.items())]


def _port_name(name: str) -> str:
    """Port names are IANA_SVC_NAME: ≤ 15 lower-case alphanumerics and '-'."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:15].strip("-")
    return cleaned or "port"


def _unique_port_names(ports: list[tuple[str, int]]) -> list[tuple[str, int]]:
    seen: set[str] = set()
    result = []
    for name, port in ports:
        unique = name if name not in seen else _port_name(f"{name[:9]}-{port}")
        seen.add(unique)
        result.append((unique, port))
    return result


def _container(ctx: _Context, data_dir: str, ports: list[tuple[str, int]]) -> dict[str, Any]:
    mounts = [
        {"name": "config", "mountPath": CONFIG_MOUNT, "readOnly": True},
        {"name": "data", "mountPath": data_dir},
    ]
    if ctx.merged.role == "agent":
        # kubernetes_logs follows /var/log/pods symlinks into /var/lib, so both keep their host paths; the
        # data volume may sit inside the read-only /var/lib mount (Vector's default data_dir): Kubernetes
        # mounts it on top, writable.
        mounts += [
            {"name": "var-log", "mountPath": "/var/log", "readOnly": True},
            {"name": "var-lib", "mountPath": "/var/lib", "readOnly": True},
        ]
    container: dict[str, Any] = {
        "name": "vector",
        "image": ctx.settings.image,
        "args": ["--config", f"{CONFIG_MOUNT}/{CONFIG_FILE}"],
        "env": _env(ctx.merged.env, ctx.merged.role),
        "resources": {k: dict(v) for k, v in ctx.settings.resources.items()},
        "volumeMounts": mounts,
    }
    if ports:
        container["ports"] = [{"name": n, "containerPort": p, "protocol": "TCP"} for n, p in ports]
    return container


def _pod_template(ctx: _Context, config_hash: str, data_dir: str, ports: list[tuple[str, int]]) -> dict[str, Any]:
    volumes: list[dict[str, Any]] = [{"name": "config", "configMap": {"name": ctx.name}}]
    if ctx.merged.role == "agent":
        volumes += [
            {"name": "data", "hostPath": {"path": f"/var/lib/{ctx.name}", "type": "DirectoryOrCreate"}},
            {"name": "var-log", "hostPath": {"path": "/var/log"}},
            {"name": "var-lib", "hostPath": {"path": "/var/lib"}},
        ]
    return {
        "metadata": {
            "labels": {**ctx.labels, **ctx.selector},
            "annotations": {CONFIG_HASH_ANNOTATION: config_hash},
        },
        "spec": {
            "serviceAccountName": ctx.name,
            "containers": [_container(ctx, data_dir, ports)],
            "volumes": volumes,
        },
    }


def _rbac(ctx: _Context) -> list[dict[str, Any]]:
    """kubernetes_logs reads pod, namespace and node metadata from the API server."""
    name = rbac_name(ctx.settings.namespace, ctx.merged.role)
    rules = [{"apiGroups": [""], "resources": ["namespaces", "nodes", "pods"], "verbs": ["get", "list", "watch"]}]
    return [
        {
            "apiVersion": RBAC_API,
            "kind": "ClusterRole",
            "metadata": ctx.metadata(name, namespaced=False),
            "rules": rules,
        },
        {
            "apiVersion": RBAC_API,
            "kind": "ClusterRoleBinding",
            "metadata": ctx.metadata(name, namespaced=False),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": ctx.name, "namespace": ctx.settings.namespace}],
        },
    ]


def role_objects(
    merged: MergedConfig, instance: str, settings: WorkloadSettings, rendered: RenderedConfig | None = None
) -> list[dict[str, Any]]:
    """ServiceAccount, RBAC, ConfigMap and workload of one (cluster, role); `rendered` is its config's text when
    already rendered (placements that share a merge share it)."""
    # Imported here: what only reads the settings (the daemon's cycle, the commands) loads no compiler.
    from reconciler.herald.compile import render_config

    names = merged.pipeline_names
    # One source label per object: the first pipeline by name; the annotation lists them all.
    ctx = _Context(
        merged,
        settings,
        ownership_labels(instance, "Pipeline", names[0]),
        {PIPELINES_ANNOTATION: ",".join(names)},
    )
    # No commit in it: the content changes only with the config.
    rendered = rendered or render_config(merged.config, names)
    data_dir = str(merged.config.get("data_dir", DEFAULT_DATA_DIR))
    ports = _unique_port_names(_listening_ports(merged.config))
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": ctx.metadata()},
    ]
    if uses_kubernetes_logs(merged.config.get("sources", {})):
        objects += _rbac(ctx)
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": ctx.metadata(annotations={CONFIG_HASH_ANNOTATION: rendered.body_hash}),
            "data": {CONFIG_FILE: rendered.text},
        }
    )
    template = _pod_template(ctx, rendered.body_hash, data_dir, ports)
    if merged.role == "agent":
        objects.append(
            {
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "metadata": ctx.metadata(),
                "spec": {"selector": {"matchLabels": ctx.selector}, "template": template},
            }
        )
        return objects
    service = headless_name(merged.role)
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": ctx.metadata(service),
            "spec": {
                "clusterIP": "None",
                "selector": ctx.selector,
                "ports": [{"name": n, "port": p, "targetPort": n, "protocol": "TCP"} for n, p in ports],
            },
        }
    )
    objects.append(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": ctx.metadata(),
            "spec": {
                "serviceName": service,
                "replicas": settings.aggregator_replicas,
                "selector": {"matchLabels": ctx.selector},
                "template": template,
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": settings.aggregator_storage}},
                        },
                    }
                ],
            },
        }
    )
    return objects


def namespace_object(merged: list[MergedConfig], instance: str, settings: WorkloadSettings) -> dict[str, Any]:
    names = sorted({name for m in merged for name in m.pipeline_names})
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": settings.namespace,
            "labels": ownership_labels(instance, "Pipeline", names[0]),
            "annotations": {PIPELINES_ANNOTATION: ",".join(names)},
        },
    }


def workload_objects(
    configs: Iterable[MergedConfig],
    instance: str,
    settings: WorkloadSettings = DEFAULT_SETTINGS,
    rendered: dict[int, RenderedConfig] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Cluster name → the Vector objects running these merged configs, in apply order (Namespace first).
    `rendered`: texts already rendered, by the id of their config (live while the configs are), filled here."""
    by_cluster: dict[str, list[MergedConfig]] = {}
    for merged in configs:
        by_cluster.setdefault(merged.cluster, []).append(merged)
    from reconciler.herald.compile import render_config

    # A fleet of clusters running the same pipelines shares one merged config (the same dict): rendered once.
    rendered = {} if rendered is None else rendered
    result: dict[str, list[dict[str, Any]]] = {}
    for cluster, configs in sorted(by_cluster.items()):
        objects = [namespace_object(configs, instance, settings)]
        for merged in sorted(configs, key=lambda m: m.role):
            text = rendered.get(id(merged.config))
            if text is None:
                text = rendered[id(merged.config)] = render_config(merged.config, merged.pipeline_names)
            objects += role_objects(merged, instance, settings, text)
        result[cluster] = objects
    return result
