"""A kind the cluster will not describe (403, an aggregated API that is down) is an error for that kind: its
objects are neither created, nor pruned, nor forgotten by the inventory."""

from __future__ import annotations

import pytest

from reconciler.kube.cluster_plan import ClusterPlan
from reconciler.kube.cluster_reconcile import ClusterReport
from tests.apply.conftest import Platform

BUTLER_GROUP = r"^/apis/butler\.butlerlabs\.dev/v1alpha1$"


@pytest.mark.parametrize("status", [503, 403])
def test_a_failed_discovery_during_prune_forgets_nothing(platform: Platform, status: int) -> None:
    assert platform.reconcile().code == 0
    listed = platform.inventory("mgmt")
    platform.remove("workspaces/omar-oncall.yaml")

    platform.cluster["mgmt"].faults.fail(status, times=None, method="GET", path=BUTLER_GROUP)
    run = platform.reconcile("--prune")
    assert run.code == 1, run.out
    assert "error Workspace (butler.butlerlabs.dev/v1alpha1): discovery of butler.butlerlabs.dev/v1alpha1" in run.out
    assert "omar-oncall" in " ".join(platform.names("mgmt", "/apis/butler.butlerlabs.dev/v1alpha1/workspaces"))
    assert platform.inventory("mgmt") == listed  # nothing forgotten
    assert platform.cluster["mgmt"].requests.count("DELETE") == 0
    plan_during_fault = platform.plan("--prune")
    assert plan_during_fault.code == 2, plan_during_fault.out

    platform.cluster["mgmt"].faults.clear()
    plan = platform.plan("--prune")
    assert plan.code == 1, plan.out
    assert "  - Workspace/team-platform/omar-oncall (to delete)" in plan.out
    assert platform.reconcile("--prune").code == 0
    assert "team-platform/omar-oncall" not in platform.names("mgmt", "/apis/butler.butlerlabs.dev/v1alpha1/workspaces")


def test_an_entry_is_dropped_only_once_its_object_is_confirmed_gone(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    platform.remove("workspaces/omar-oncall.yaml")
    workspace = "/apis/butler.butlerlabs.dev/v1alpha1/namespaces/team-platform/workspaces/omar-oncall"
    assert platform.request("mgmt", "DELETE", workspace)[0] == 200  # deleted by hand
    platform.cluster["mgmt"].faults.fail(500, times=None, method="GET", path="/workspaces/omar-oncall$")
    assert platform.reconcile("--prune").code == 0
    assert any("omar-oncall" in line for line in platform.inventory("mgmt"))  # could not confirm: kept

    platform.cluster["mgmt"].faults.clear()
    assert platform.reconcile("--prune").code == 0
    assert not any("omar-oncall" in line for line in platform.inventory("mgmt"))  # 404: dropped


def test_a_kind_error_is_recorded_as_the_clusters_failure() -> None:
    from reconciler.db.outcome import cluster_outcome

    plan = ClusterPlan((), (), (), {}, errors=("Workspace (butler.butlerlabs.dev/v1alpha1): discovery failed",))
    outcome = cluster_outcome(ClusterReport("mgmt", "ok", plan=plan))
    assert outcome.result == "failed"
    assert outcome.message == "Workspace (butler.butlerlabs.dev/v1alpha1): discovery failed"
