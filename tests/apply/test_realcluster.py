"""The apply scenarios against the cluster in KUBECONFIG (kind, k3d, ...): skipped when KUBECONFIG is not set.

They drive the engine of `portal reconcile` with ConfigMaps in a namespace of their own, under an instance id of
their own, so nothing else on the cluster is touched; the namespace is deleted at the end.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import kubernetes
import pytest

from reconciler.kube.client import KubeClient
from reconciler.kube.cluster_reconcile import ClusterReport, reconcile_cluster
from reconciler.model.ownership import DriftMode
from reconciler.settings import ApplyOptions

pytestmark = [
    pytest.mark.realcluster,
    pytest.mark.skipif(not os.environ.get("KUBECONFIG"), reason="KUBECONFIG is not set"),
]


class RealCluster:
    def __init__(self) -> None:
        self.suffix = uuid.uuid4().hex[:8]
        self.instance = f"test-{self.suffix}"
        self.namespace = f"portal-test-{self.suffix}"
        self.api = kubernetes.config.new_client_from_config(config_file=os.environ["KUBECONFIG"])
        self.client = KubeClient(self.api)
        self.core = kubernetes.client.CoreV1Api(self.api)

    def namespace_object(self) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace}}

    def configmap(self, name: str, **data: str) -> dict[str, Any]:
        metadata = {"name": name, "namespace": self.namespace}
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}

    def reconcile(self, desired: list[dict[str, Any]], drift: DriftMode = "correct", **options: Any) -> ClusterReport:
        report = reconcile_cluster("real", self.client, desired, drift, ApplyOptions(instance=self.instance, **options))
        assert report.status == "ok", report.error
        return report

    def data(self, name: str) -> dict[str, str] | None:
        try:
            return self.core.read_namespaced_config_map(name, self.namespace).data
        except kubernetes.client.ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def cleanup(self) -> None:
        for call in (
            lambda: self.core.delete_namespace(self.namespace),
            lambda: self.core.delete_namespaced_config_map(f"portal-inventory-{self.instance}-real", "portal-system"),
        ):
            with contextlib.suppress(kubernetes.client.ApiException):
                call()


@pytest.fixture()
def real() -> Iterator[RealCluster]:
    cluster = RealCluster()
    try:
        yield cluster
    finally:
        cluster.cleanup()


def _results(report: ClusterReport) -> dict[str, str]:
    return {o.key.name: o.result for o in report.outcomes}


def test_apply_noop_update_field_removal_and_prune(real: RealCluster) -> None:
    desired = [real.namespace_object(), real.configmap("a", k="1", extra="x"), real.configmap("b", k="1")]
    first = real.reconcile(desired)
    assert _results(first) == {real.namespace: "created", "a": "created", "b": "created"}
    again = real.reconcile(desired)
    assert again.outcomes == () and not again.plan.has_changes
    changed = real.reconcile([real.namespace_object(), real.configmap("a", k="2"), real.configmap("b", k="1")])
    assert _results(changed) == {"a": "configured"}
    assert real.data("a") == {"k": "2"}  # the removed field is gone live
    pruned = real.reconcile([real.namespace_object(), real.configmap("a", k="2")], prune=True)
    assert _results(pruned) == {"b": "pruned"}
    assert real.data("b") is None


def test_drift_modes_and_a_same_named_object_we_never_created(real: RealCluster) -> None:
    desired = [real.namespace_object(), real.configmap("a", k="1")]
    real.reconcile(desired)
    patch = {"data": {"k": "edited"}}
    real.core.patch_namespaced_config_map("a", real.namespace, patch, field_manager="kubectl-edit")
    assert _results(real.reconcile(desired, drift="warn")) == {"a": "drift reported"}
    assert real.data("a") == {"k": "edited"}
    assert real.reconcile(desired, drift="ignore").outcomes == ()
    assert _results(real.reconcile(desired, drift="correct")) == {"a": "drift corrected"}
    assert real.data("a") == {"k": "1"}

    real.reconcile([*desired, real.configmap("b", k="1")])
    real.core.delete_namespaced_config_map("b", real.namespace)
    real.core.create_namespaced_config_map(real.namespace, {"metadata": {"name": "b"}, "data": {"k": "theirs"}})
    real.reconcile(desired, prune=True)
    assert real.data("b") == {"k": "theirs"}


def test_mass_prune_is_refused_and_conflicts_are_reported(real: RealCluster) -> None:
    many = [real.configmap(f"c{i}", k="1") for i in range(11)]
    real.reconcile([real.namespace_object(), *many])
    refused = real.reconcile([real.namespace_object()], prune=True)
    assert {o.result for o in refused.outcomes} == {"prune refused"}
    assert real.data("c0") == {"k": "1"}

    real.core.patch_namespaced_config_map(
        "c0",
        real.namespace,
        {"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "hotfix"}},
        field_manager="hotfix",
        force=True,
        _content_type="application/apply-patch+yaml",
    )
    changed = [real.configmap("c0", k="2"), *many[1:]]
    conflict = real.reconcile([real.namespace_object(), *changed], drift="warn")
    assert _results(conflict)["c0"] == "conflict"
    assert real.data("c0") == {"k": "hotfix"}
    assert _results(real.reconcile([real.namespace_object(), *changed]))["c0"] == "configured"
    assert real.data("c0") == {"k": "2"}
