"""The Kubernetes objects that run Vector: what each role gets, and that a config change rolls the pods."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from reconciler.herald.catalog import default_catalog
from reconciler.herald.merge import merged_configs
from reconciler.herald.workloads import CONFIG_HASH_ANNOTATION, workload_objects
from reconciler.model.ownership import DEFAULT_INSTANCE, INSTANCE_LABEL, MANAGED_BY_LABEL, SOURCE_LABEL
from tests.conftest import PortalRun
from tests.herald.builders import APP_LOGS, PRD_CLUSTER, model_of
from tests.herald.test_compile import INFRA, compile_repo


def prd_objects(pipeline: str, instance: str) -> list[dict[str, Any]]:
    """The Vector objects the pipeline's model puts on the prd-eu-1 cluster."""
    return workload_objects(merged_configs(model_of(pipeline, PRD_CLUSTER), default_catalog()), instance)["prd-eu-1"]


def by_kind(objects: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        result.setdefault(obj["kind"], []).append(obj)
    return result


def test_agent_objects() -> None:
    objects = prd_objects(APP_LOGS, DEFAULT_INSTANCE)
    assert [o["kind"] for o in objects] == [
        "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet",
    ]  # fmt: skip
    kinds = by_kind(objects)
    (config_map,) = kinds["ConfigMap"]
    (daemon_set,) = kinds["DaemonSet"]
    config_hash = config_map["metadata"]["annotations"][CONFIG_HASH_ANNOTATION]
    assert config_hash.startswith("sha256:")
    assert f"# {config_hash}\n" in config_map["data"]["vector.yaml"]
    template = daemon_set["spec"]["template"]
    assert template["metadata"]["annotations"][CONFIG_HASH_ANNOTATION] == config_hash
    (container,) = template["spec"]["containers"]
    assert ":" in container["image"] and not container["image"].endswith(":latest")
    assert set(container["resources"]["limits"]) == {"cpu", "memory"}
    env = {e["name"]: e for e in container["env"]}
    assert env["LOKI_ENDPOINT"] == {"name": "LOKI_ENDPOINT", "value": "http://loki.observability:3100"}
    assert env["LOKI_TOKEN"]["valueFrom"] == {"secretKeyRef": {"name": "loki-credentials", "key": "token"}}
    assert env["VECTOR_SELF_NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    (role,) = kinds["ClusterRole"]
    assert role["rules"][0]["resources"] == ["namespaces", "nodes", "pods"]
    assert template["spec"]["serviceAccountName"] == kinds["ServiceAccount"][0]["metadata"]["name"]
    for obj in objects:
        labels = obj["metadata"]["labels"]
        assert labels[MANAGED_BY_LABEL] == "portal"
        assert labels[INSTANCE_LABEL] == DEFAULT_INSTANCE
        assert labels[SOURCE_LABEL] == "Pipeline.app-logs"


def test_aggregator_objects_expose_the_listening_sources() -> None:
    objects = prd_objects(INFRA, "eu-portal")
    kinds = by_kind(objects)
    assert "ClusterRole" not in kinds, "no kubernetes_logs source: no RBAC"
    (service,) = kinds["Service"]
    (stateful_set,) = kinds["StatefulSet"]
    assert service["spec"]["clusterIP"] == "None"
    assert stateful_set["spec"]["serviceName"] == service["metadata"]["name"]
    assert [p["port"] for p in service["spec"]["ports"]] == [6000]
    assert stateful_set["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    mounts = stateful_set["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "data", "mountPath": "/vector-data"} in mounts
    assert all(o["metadata"]["labels"][INSTANCE_LABEL] == "eu-portal" for o in objects)


def _pod_hash(text: str) -> str:
    objects = prd_objects(text, DEFAULT_INSTANCE)
    (daemon_set,) = by_kind(objects)["DaemonSet"]
    return daemon_set["spec"]["template"]["metadata"]["annotations"][CONFIG_HASH_ANNOTATION]


def test_only_a_config_change_rolls_the_pods() -> None:
    assert _pod_hash(APP_LOGS) == _pod_hash(APP_LOGS.replace("Pod logs of", "Logs of"))
    assert _pod_hash(APP_LOGS) != _pod_hash(APP_LOGS.replace("team: payments}", "team: billing}", 1))


def test_compile_writes_the_manifests(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    out = compile_repo(tmp_path, portal, ("app-logs", APP_LOGS), ("infra-metrics", INFRA))
    objects = list(yaml.safe_load_all((out / "clusters/prd-eu-1/manifests.yaml").read_text()))
    kinds = [o["kind"] for o in objects]
    assert kinds.count("Namespace") == 1
    assert {"DaemonSet", "StatefulSet", "Service"} <= set(kinds)
    config_maps = [o for o in objects if o["kind"] == "ConfigMap"]
    agent_config = yaml.safe_load((out / "clusters/prd-eu-1/vector-agent.yaml").read_text())
    assert yaml.safe_load(config_maps[0]["data"]["vector.yaml"]) == agent_config
