"""Credentials: how each Cluster is reached — a kubeconfig context, in-cluster config, or a kubeconfig Secret
that Butler keeps on the management cluster (`<cluster>-admin-kubeconfig`, key `admin.conf` or `value`).

Nothing read here is ever printed: errors name the file, context or Secret, never their contents. A kubeconfig
from a Secret is data anyone who can write that Secret controls: it is read only from where Butler keeps them,
and its exec and auth-provider plugins (commands run on this host) are refused unless explicitly allowed.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import kubernetes
import yaml
from kubernetes.config.kube_config import KubeConfigMerger

from reconciler.kube.client import DEFAULT_REQUEST_TIMEOUT, KubeClient, KubeError, Unreachable, object_path
from reconciler.load.sources import MAX_FILE_BYTES
from reconciler.load.yaml_documents import parse_documents
from reconciler.model.butler import BUTLER_API_VERSION, secret_namespaces
from reconciler.model.kinds import Cluster

DEFAULT_KUBECONFIG = Path("~/.kube/config")
_SECRET_KEYS_IN_ORDER = ("admin.conf", "value")


class ConnectError(Exception):
    """The cluster's credentials are missing or unusable."""


def find_kubeconfig(explicit: str | None, environ: Mapping[str, str] = os.environ) -> str | None:
    """--kubeconfig, else KUBECONFIG, else ~/.kube/config when it exists."""
    if explicit:
        return explicit
    if environ.get("KUBECONFIG"):
        return environ["KUBECONFIG"]
    default = DEFAULT_KUBECONFIG.expanduser()
    return str(default) if default.is_file() else None


def in_cluster_available(environ: Mapping[str, str] = os.environ) -> bool:
    return bool(environ.get("KUBERNETES_SERVICE_HOST"))


def _configuration(pool_size: int) -> kubernetes.client.Configuration:
    configuration = kubernetes.client.Configuration()
    configuration.connection_pool_maxsize = pool_size
    return configuration


def _from_context(kubeconfig: str | None, context: str, pool_size: int) -> kubernetes.client.ApiClient:
    if not kubeconfig:
        raise ConnectError(f"context {context!r} needs a kubeconfig (--kubeconfig or KUBECONFIG)")
    missing = [p for p in kubeconfig.split(os.pathsep) if p and not Path(p).is_file()]
    if missing:
        raise ConnectError(f"kubeconfig {missing[0]} does not exist")
    try:
        contexts, _ = kubernetes.config.list_kube_config_contexts(config_file=kubeconfig)
    except (kubernetes.config.ConfigException, yaml.YAMLError, OSError, ValueError, TypeError) as exc:
        raise ConnectError(f"kubeconfig {kubeconfig}: {first_line(exc)}") from None
    if context not in {c.get("name") for c in contexts or ()}:
        raise ConnectError(f"kubeconfig {kubeconfig} has no context {context!r}")
    configuration = _configuration(pool_size)
    try:
        kubernetes.config.load_kube_config(
            config_file=kubeconfig, context=context, client_configuration=configuration, persist_config=False
        )
    except (kubernetes.config.ConfigException, yaml.YAMLError, OSError, ValueError, TypeError) as exc:
        raise ConnectError(f"context {context!r} in kubeconfig {kubeconfig}: {first_line(exc)}") from None
    return kubernetes.client.ApiClient(configuration)


def context_servers(kubeconfig: str | None) -> dict[str, str]:
    """Each context's API server URL, read from the kubeconfig alone: no credential is loaded and no exec plugin
    runs, so clusters a run does not reach cost nothing. A kubeconfig that cannot be read tells nothing."""
    if not kubeconfig:
        return {}
    try:
        config = KubeConfigMerger(kubeconfig).config
        servers = {c.safe_get("name"): c["cluster"].safe_get("server") for c in config.safe_get("clusters") or ()}
        by_context = {
            c.safe_get("name"): servers.get(c["context"].safe_get("cluster")) for c in config.safe_get("contexts") or ()
        }
    except (
        kubernetes.config.ConfigException,
        yaml.YAMLError,
        OSError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
    ):
        return {}
    return {name: server for name, server in by_context.items() if isinstance(name, str) and isinstance(server, str)}


def _in_cluster(pool_size: int) -> kubernetes.client.ApiClient:
    configuration = _configuration(pool_size)
    try:
        kubernetes.config.load_incluster_config(client_configuration=configuration)
    except kubernetes.config.ConfigException as exc:
        raise ConnectError(f"in-cluster configuration: {first_line(exc)}") from None
    return kubernetes.client.ApiClient(configuration)


def _tenant_namespace(cluster: Cluster, management: KubeClient) -> str | None:
    """The TenantCluster's `status.tenantNamespace`, where Butler keeps the tenant's kubeconfig."""
    ref = cluster.tenant_cluster_ref
    if ref is None or not ref.namespace:
        return None
    try:
        tenant = management.get(object_path(f"/apis/{BUTLER_API_VERSION}", "tenantclusters", ref.namespace, ref.name))
    except (KubeError, Unreachable) as exc:
        raise ConnectError(f"TenantCluster {ref.namespace}/{ref.name} on the management cluster: {exc}") from None
    namespace = ((tenant or {}).get("status") or {}).get("tenantNamespace")
    return namespace if isinstance(namespace, str) else None


def _check_secret_namespace(cluster: Cluster, namespace: str, management: KubeClient) -> None:
    if namespace in secret_namespaces(cluster):
        return
    if namespace in secret_namespaces(cluster, _tenant_namespace(cluster, management)):
        return
    where = ", ".join(sorted(secret_namespaces(cluster)))
    tenant = " or its TenantCluster's status.tenantNamespace" if cluster.tenant_cluster_ref else ""
    raise ConnectError(
        f"kubeconfigSecretRef: namespace {namespace!r} is not where Butler keeps kubeconfigs ({where}{tenant}); "
        "the Secret was not read"
    )


def plugins_in(document: Mapping[str, Any]) -> list[str]:
    """The users of a kubeconfig that would run a command (exec) or an auth-provider plugin on this host."""
    found = []
    for entry in document.get("users") or []:
        user = (entry or {}).get("user") if isinstance(entry, dict) else None
        if isinstance(user, dict):
            found += [f"{entry.get('name')!r} ({p})" for p in ("exec", "auth-provider") if user.get(p) is not None]
    return found


def _kubeconfig_document(raw: bytes, where: str) -> dict[str, Any]:
    """The kubeconfig a Secret's key holds, read as every YAML input is read: with the size, alias-expansion and
    nesting limits (an alias bomb in a Secret must not stop the other clusters). The loader's messages name the
    structure (aliases, nesting, duplicate keys) and where it fails, never a value."""
    if len(raw) > MAX_FILE_BYTES:
        raise ConnectError(f"{where} holds {len(raw)} bytes, over the {MAX_FILE_BYTES} any YAML input may have")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConnectError(f"{where} is not UTF-8 text") from None
    parsed, problems = parse_documents(text, where)
    if problems:
        problem, place = problems[0], problems[0].location
        at = f" (line {place.line}, column {place.column})" if place is not None else ""
        raise ConnectError(f"{where} does not hold a usable kubeconfig: {problem.message}{at}")
    if len(parsed) != 1 or not isinstance(parsed[0].value, dict):
        raise ConnectError(f"{where} does not hold a usable kubeconfig: it must be one YAML mapping")
    return parsed[0].value


def _from_secret(
    cluster: Cluster, management: KubeClient, pool_size: int, allow_exec: bool
) -> kubernetes.client.ApiClient:
    ref = cluster.connection.kubeconfig_secret_ref
    assert ref is not None
    namespace = ref.namespace or (cluster.tenant_cluster_ref.namespace if cluster.tenant_cluster_ref else None)
    where = f"Secret {namespace}/{ref.name} on the management cluster"
    if not namespace:
        raise ConnectError(f"kubeconfigSecretRef {ref.name!r} needs a namespace")
    _check_secret_namespace(cluster, namespace, management)
    try:
        secret = management.get(object_path("/api/v1", "secrets", namespace, ref.name))
    except (KubeError, Unreachable) as exc:
        raise ConnectError(f"{where}: {exc}") from None
    if secret is None:
        raise ConnectError(f"{where} does not exist")
    data = secret.get("data") or {}
    keys = (ref.key, *(k for k in _SECRET_KEYS_IN_ORDER if k != ref.key))
    encoded = next((data[k] for k in keys if k in data), None)
    if encoded is None:
        raise ConnectError(f"{where} has no key {ref.key!r}")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise ConnectError(f"{where}: key {ref.key!r} is not base64 data") from None
    document = _kubeconfig_document(raw, f"{where}: key {ref.key!r}")
    try:
        plugins = plugins_in(document)
        if plugins and not allow_exec:
            # Loading runs them: refuse before anything is loaded.
            raise ConnectError(
                f"{where}: key {ref.key!r} has users that run commands on this host: {', '.join(plugins)}; "
                "refused (--allow-kubeconfig-exec to allow)"
            )
        configuration = _configuration(pool_size)
        kubernetes.config.load_kube_config_from_dict(document, client_configuration=configuration, persist_config=False)
    except (kubernetes.config.ConfigException, ValueError, TypeError):
        raise ConnectError(f"{where}: key {ref.key!r} does not hold a usable kubeconfig") from None
    return kubernetes.client.ApiClient(configuration)


def connect(
    cluster: Cluster,
    kubeconfig: str | None,
    management: Callable[[], KubeClient] | None = None,
    pool_size: int = 8,
    timeout: float = DEFAULT_REQUEST_TIMEOUT,
    allow_exec: bool = False,
) -> KubeClient:
    """A client for the cluster; no request is made except, for a Secret, reading it (and, when it is not in
    `butler-system` or the TenantCluster's namespace, the TenantCluster) from the management cluster.
    `allow_exec`: let a Secret's kubeconfig run exec and auth-provider plugins."""
    connection = cluster.connection
    if connection.context:
        return KubeClient(_from_context(kubeconfig, connection.context, pool_size), timeout=timeout)
    if connection.in_cluster:
        return KubeClient(_in_cluster(pool_size), timeout=timeout)
    if connection.kubeconfig_secret_ref is not None:
        if management is None:
            raise ConnectError("its kubeconfig Secret is on the management cluster, which is not reachable")
        return KubeClient(_from_secret(cluster, management(), pool_size, allow_exec), timeout=timeout)
    raise ConnectError("spec.connection names no way to reach it")


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
