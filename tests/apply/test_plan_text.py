"""Plans people read: unified diffs of multi-line text, entries of maps and lists, objects that cannot be created
because their namespace is missing, and prunes that would be refused."""

from __future__ import annotations

import json

from reconciler.kube.cluster_plan import plan_cluster
from reconciler.kube.inventory import Inventory
from reconciler.kube.objects import stamped
from tests.apply.conftest import Platform

TENANT_LINE = "    - {name: LOKI_USERNAME, value: payments}\n"


def _block(lines: list[str], first: str) -> list[str]:
    """The line `first` and the lines indented deeper than it."""
    start = lines.index(first)
    depth = len(first) - len(first.lstrip())
    end = next((i for i in range(start + 1, len(lines)) if len(lines[i]) - len(lines[i].lstrip()) <= depth), None)
    return lines[start:end]


def test_a_plan_shows_the_vector_config_as_a_unified_diff_and_env_entries(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    platform.edit("pipelines/app-logs.yaml", "out_of_order_action: accept", "out_of_order_action: drop")
    platform.edit("pipelines/app-logs.yaml", TENANT_LINE, TENANT_LINE + "    - {name: LOKI_TENANT, value: acme}\n")
    platform.edit(
        "pipelines/app-logs.yaml", 'level: "{{ level }}"', 'level: "{{ level }}"\n        tenant: ${LOKI_TENANT}'
    )
    run = platform.plan()
    assert run.code == 1, run.out + run.err
    assert "characters)" not in run.out and " of 2)" not in run.out
    lines = run.out.splitlines()
    assert _block(lines, "      data.vector.yaml:")[-8:] == [
        "        @@ -37,5 +37,6 @@",
        "               level: '{{ level }}'",
        "               namespace: '{{ kubernetes.pod_namespace }}'",
        "               team: payments",
        "        -    out_of_order_action: accept",
        "        +      tenant: ${LOKI_TENANT}",
        "        +    out_of_order_action: drop",
        "             type: loki",
    ]
    assert _block(lines, "      spec.template.spec.containers[vector].env[LOKI_TENANT]:") == [
        "      spec.template.spec.containers[vector].env[LOKI_TENANT]:",
        "        + name: LOKI_TENANT",
        "        + value: acme",
    ]
    document = json.loads(platform.plan("--format", "json").out)
    (prd,) = [c for c in document["clusters"] if c["cluster"] == "prd-eu-1"]
    fields = {f["path"]: f for change in prd["plan"]["changes"] for f in change["fields"]}
    assert fields["data.vector.yaml"]["diff"][-4:] == [
        "-    out_of_order_action: accept",
        "+      tenant: ${LOKI_TENANT}",
        "+    out_of_order_action: drop",
        "     type: loki",
    ]
    assert fields["spec.template.spec.containers[vector].env[LOKI_TENANT]"]["entries"] == [
        {"key": "name", "change": "added", "live": None, "desired": "LOKI_TENANT"},
        {"key": "value", "change": "added", "live": None, "desired": "acme"},
    ]


def test_objects_whose_namespace_is_missing_are_an_error_of_the_plan(platform: Platform) -> None:
    status, _ = platform.request("mgmt", "DELETE", "/api/v1/namespaces/team-platform")
    assert status == 200
    run = platform.plan("--cluster", "mgmt")
    assert run.code == 2, run.out + run.err
    assert run.lines[:3] == [
        "mgmt: 2 to create, 0 to update, 0 drifted, 0 to prune, 0 unchanged",
        "  error namespace 'team-platform' does not exist on this cluster and no document creates it: 5 object(s) "
        "cannot be created there (Workspace/team-platform/alice-ledger, Workspace/team-platform/bob-payments-api, "
        "Workspace/team-platform/dana-notebooks and 2 more)",
        "  + WorkspaceTemplate/team-payments/go-dev",
    ]
    assert "Workspace/team-platform" not in "\n".join(run.lines[2:])
    # reconcile applies the rest, and tries none of the objects that would fail.
    applied = platform.reconcile("--cluster", "mgmt")
    assert applied.code == 1
    assert "error namespace 'team-platform' does not exist" in applied.out and "failed" not in applied.out
    assert platform.names("mgmt", "/apis/butler.butlerlabs.dev/v1alpha1/workspaces") == set()


def test_a_namespace_we_create_is_not_missing(platform: Platform) -> None:
    run = platform.plan("--cluster", "dev-eu-1")
    assert run.code == 1 and "error" not in run.out
    assert "  + Namespace/vector" in run.lines and "  + DaemonSet/vector/vector-agent" in run.lines


def test_a_prune_that_would_be_refused_is_shown_as_refused_not_counted(platform: Platform) -> None:
    assert platform.reconcile().code == 0
    platform.remove("pipelines")
    run = platform.plan("--prune", "--cluster", "dev-eu-1")
    assert run.code == 1
    assert run.lines == [
        "dev-eu-1: 0 to create, 0 to update, 0 drifted, 5 to prune, 1 prune refused, 0 unchanged",
        "  - DaemonSet/vector/vector-agent (to delete)",
        "  - ClusterRole/portal-vector-vector-agent (to delete)",
        "  - ClusterRoleBinding/portal-vector-vector-agent (to delete)",
        "  - ConfigMap/vector/vector-agent (to delete)",
        "  - ServiceAccount/vector/vector-agent (to delete)",
        "  x Namespace/vector (prune refused: Namespaces are never pruned without --allow-mass-prune)",
    ]
    document = json.loads(platform.plan("--prune", "--cluster", "dev-eu-1", "--format", "json").out)
    (namespace,) = [p for p in document["clusters"][0]["plan"]["prune"] if p["kind"] == "Namespace"]
    assert namespace["deleted"] is False and "never pruned" in namespace["refused"]
    assert platform.reconcile("--prune", "--cluster", "dev-eu-1").code == 0
    # Only the refused Namespace is left: nothing to change, the refusal still shown.
    after = platform.plan("--prune", "--cluster", "dev-eu-1")
    assert after.code == 0, after.out
    assert after.lines == [
        "dev-eu-1: no changes (0 unchanged, 1 prune refused)",
        "  x Namespace/vector (prune refused: Namespaces are never pruned without --allow-mass-prune)",
    ]


def test_a_namespace_we_may_not_read_is_not_called_missing(platform: Platform) -> None:
    """Without the right to read Namespaces (403), nothing is claimed: the create goes ahead as before."""
    platform.cluster["mgmt"].faults.fail(403, times=None, method="GET", path="^/api/v1/namespaces/team-platform$")
    run = platform.plan("--cluster", "mgmt")
    assert run.code == 1, run.out + run.err
    assert "error" not in run.out and "  + Workspace/team-platform/alice-ledger" in run.lines


def test_only_objects_to_create_in_a_namespace_nobody_creates_are_held_back() -> None:
    def obj(kind: str, namespace: str, name: str) -> dict[str, object]:
        return stamped({"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": namespace}}, "i")

    ours = stamped({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ours"}}, "i")
    desired = [ours, obj("ConfigMap", "ours", "a"), obj("ConfigMap", "gone", "b"), obj("ConfigMap", "here", "c")]
    plan = plan_cluster(desired, {}, Inventory(), "correct", missing_namespaces={"ours", "gone"})
    assert [c.key.name for c in plan.changes] == ["ours", "a", "c"]
    (error,) = plan.errors
    assert error.startswith("namespace 'gone' does not exist on this cluster and no document creates it: 1 object")
