"""Leases (leader election) and PodDisruptionBudgets (deploy/) as a real API server serves them."""

from __future__ import annotations

from datetime import UTC, datetime

import kubernetes
import pytest
from kubernetes.client import ApiException

from tests.emulator.conftest import Cluster


def lease(holder: str) -> kubernetes.client.V1Lease:
    now = datetime(2026, 11, 29, 20, 0, 0, 123456, tzinfo=UTC)
    return kubernetes.client.V1Lease(
        metadata=kubernetes.client.V1ObjectMeta(name="portal-leader"),
        spec=kubernetes.client.V1LeaseSpec(
            holder_identity=holder, lease_duration_seconds=15, lease_transitions=0, acquire_time=now, renew_time=now
        ),
    )


def test_a_lease_round_trips_its_micro_times(cluster: Cluster) -> None:
    api = kubernetes.client.CoordinationV1Api(cluster.api_client)
    created = api.create_namespaced_lease("default", lease("a"))
    read = api.read_namespaced_lease("portal-leader", "default")
    assert read.spec.holder_identity == "a"
    assert read.spec.renew_time == created.spec.renew_time
    assert read.spec.renew_time.microsecond == 123456


def test_an_update_from_a_stale_read_is_a_409_conflict(cluster: Cluster) -> None:
    api = kubernetes.client.CoordinationV1Api(cluster.api_client)
    api.create_namespaced_lease("default", lease("a"))
    first, second = (api.read_namespaced_lease("portal-leader", "default") for _ in range(2))
    first.spec.holder_identity, second.spec.holder_identity = "b", "c"
    api.replace_namespaced_lease("portal-leader", "default", first)
    with pytest.raises(ApiException) as conflict:
        api.replace_namespaced_lease("portal-leader", "default", second)
    assert conflict.value.status == 409
    assert "the object has been modified" in conflict.value.body
    assert api.read_namespaced_lease("portal-leader", "default").spec.holder_identity == "b"
    with pytest.raises(ApiException) as duplicate:
        api.create_namespaced_lease("default", lease("d"))
    assert duplicate.value.status == 409


def test_leases_list_by_label(cluster: Cluster) -> None:
    api = kubernetes.client.CoordinationV1Api(cluster.api_client)
    for name, group in [("s-0", "portal"), ("s-1", "portal"), ("other", "else")]:
        body = lease("a")
        body.metadata = kubernetes.client.V1ObjectMeta(name=name, labels={"group": group})
        api.create_namespaced_lease("default", body)
    listed = api.list_namespaced_lease("default", label_selector="group=portal").items
    assert sorted(item.metadata.name for item in listed) == ["s-0", "s-1"]


def test_a_pod_disruption_budget_is_served_by_policy_v1(cluster: Cluster) -> None:
    api = kubernetes.client.PolicyV1Api(cluster.api_client)
    body = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "portal"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "portal"}}},
    }
    created = api.create_namespaced_pod_disruption_budget("default", body)
    assert created.metadata.generation == 1
    patched = api.patch_namespaced_pod_disruption_budget("portal", "default", {"spec": {"minAvailable": 2}})
    assert patched.metadata.generation == 2 and patched.spec.min_available == 2
    status = {"status": {"currentHealthy": 2, "desiredHealthy": 2, "disruptionsAllowed": 0, "expectedPods": 2}}
    api.patch_namespaced_pod_disruption_budget_status("portal", "default", status)
    assert api.read_namespaced_pod_disruption_budget("portal", "default").metadata.generation == 2
    result = cluster.kubectl("get", "pdb", "-n", "default", "-o", "name")
    assert result.returncode == 0 and result.stdout.strip() == "poddisruptionbudget.policy/portal", result.stderr
