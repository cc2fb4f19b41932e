"""deploy/: it applies to a cluster, its parts fit together, and its RBAC is exactly what the code calls."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import kubernetes
import pytest
import yaml

from reconciler.cli import build_parser
from reconciler.daemon.replicas import coordinator_for
from reconciler.daemon.sharding import FORGET_AFTER_LEASE_DURATIONS
from reconciler.model.ownership import INSTANCE_LABEL
from tests.apply.conftest import Platform, kube_emulators, platform
from tests.conftest import REPO_ROOT
from tests.daemon.clock import ManualClock
from tests.daemon.timing import FAST
from tests.deploy.api_requests import Permission, granted, permissions

__all__ = ["kube_emulators", "platform"]

DEPLOY = REPO_ROOT / "deploy"
NAMESPACE = "portal"


def rendered() -> list[dict[str, Any]]:
    """deploy/ as `kubectl apply -k` sends it."""
    result = subprocess.run(["kubectl", "kustomize", str(DEPLOY)], capture_output=True, text=True, check=True)
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def by_kind(documents: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in documents if d["kind"] == kind]


def kubectl(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["kubectl", "--kubeconfig", str(kubeconfig), "--context", "mgmt", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def apply_deploy(platform: Platform) -> None:
    applied = kubectl(platform.kubeconfig, "apply", "--server-side", "--validate=false", "-k", str(DEPLOY))
    assert applied.returncode == 0, applied.stderr


def test_deploy_applies_to_a_cluster_and_again_without_changes(platform: Platform) -> None:
    apply_deploy(platform)
    platform.reset_counters()
    apply_deploy(platform)
    mgmt = platform.cluster["mgmt"]
    assert mgmt.requests.mutating_writes == len(rendered()), "one apply per object"
    apps = kubernetes.client.AppsV1Api(platform.cluster.api_client("mgmt"))
    deployment = apps.read_namespaced_deployment("portal", NAMESPACE)
    assert deployment.spec.replicas == 2
    policy = kubernetes.client.PolicyV1Api(platform.cluster.api_client("mgmt"))
    assert policy.read_namespaced_pod_disruption_budget("portal", NAMESPACE).spec.max_unavailable == 1
    shown = kubectl(
        platform.kubeconfig, "get", "deploy,svc,pdb,sa,role,rolebinding,secret,cm", "-n", NAMESPACE, "-o", "name"
    )
    assert shown.returncode == 0, shown.stderr
    assert set(shown.stdout.split()) == {
        "deployment.apps/portal",
        "service/portal",
        "poddisruptionbudget.policy/portal",
        "serviceaccount/portal",
        "role.rbac.authorization.k8s.io/portal-leases",
        "rolebinding.rbac.authorization.k8s.io/portal-leases",
        "secret/portal-credentials",
        "secret/portal-git-ssh",
        "secret/portal-kubeconfig",
        "configmap/portal-config",
    }


def test_the_parts_of_deploy_fit_together() -> None:
    documents = rendered()
    assert {d["metadata"].get("namespace", NAMESPACE) for d in documents if d["kind"] not in ("Namespace",)} <= {
        NAMESPACE
    }
    (deployment,) = by_kind(documents, "Deployment")
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (service,) = by_kind(documents, "Service")
    (budget,) = by_kind(documents, "PodDisruptionBudget")
    assert service["spec"]["selector"].items() <= labels.items()
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()

    daemon, terminal = pod["spec"]["containers"]
    assert daemon["args"][0] == "daemon" and terminal["args"][:2] == ["terminal", "serve"]
    assert "--site-out=/srv/site" in daemon["args"] and "--site=/srv/site" in terminal["args"]
    # one origin: the site's terminal links and the sidecar's allowed origin are the same public URL
    assert "--terminal-url=$(PORTAL_PUBLIC_URL)" in daemon["args"]
    assert "--allowed-origin=$(PORTAL_PUBLIC_URL)" in terminal["args"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    for container in (daemon, terminal):
        site = next(m for m in container["volumeMounts"] if m["mountPath"] == "/srv/site")
        assert "emptyDir" in volumes[site["name"]], "the built site is shared through an emptyDir"
    env = {e["name"]: e for e in daemon["env"]}
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    ports = {p["name"] for c in (daemon, terminal) for p in c["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports

    secrets = {d["metadata"]["name"]: d for d in by_kind(documents, "Secret")}
    configs = {d["metadata"]["name"] for d in by_kind(documents, "ConfigMap")}
    for container in (daemon, terminal):
        for source in container.get("envFrom", []):
            if "secretRef" in source:
                assert source["secretRef"]["name"] in secrets
            else:
                assert source["configMapRef"]["name"] in configs
    assert {v["secret"]["secretName"] for v in volumes.values() if "secret" in v} <= set(secrets)
    for container in (daemon, terminal):
        for variable in container.get("env", []):
            key = variable.get("valueFrom", {}).get("secretKeyRef")
            if key:
                assert key["key"] in secrets[key["name"]]["stringData"], variable
    assert not any("secretRef" in s for s in terminal.get("envFrom", [])), "the sidecar needs no webhook secret"
    credentials = secrets["portal-credentials"]["stringData"]
    assert {"PORTAL_GITHUB_WEBHOOK_SECRET", "PORTAL_GITLAB_WEBHOOK_TOKEN", "PORTAL_WEBHOOK_SECRET"} <= set(credentials)
    assert all(value == "" for secret in secrets.values() for value in secret["stringData"].values()), (
        "a template carries no credential"
    )

    account = pod["spec"]["serviceAccountName"]
    for binding in by_kind(documents, "RoleBinding") + by_kind(documents, "ClusterRoleBinding"):
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account, "namespace": NAMESPACE}]
    roles = {(d["kind"], d["metadata"]["name"]) for d in by_kind(documents, "Role") + by_kind(documents, "ClusterRole")}
    bound = {(b["roleRef"]["kind"], b["roleRef"]["name"]) for b in by_kind(documents, "RoleBinding")}
    bound |= {(b["roleRef"]["kind"], b["roleRef"]["name"]) for b in by_kind(documents, "ClusterRoleBinding")}
    assert roles == bound


def test_the_replicas_of_deploy_elect_a_leader_as_their_pods() -> None:
    """Two replicas without an election would both write: the Deployment's args must ask for one, and the
    identity must come from the pod's name (POD_NAME), not be the same fixed name in both."""
    (deployment,) = by_kind(rendered(), "Deployment")
    daemon = deployment["spec"]["template"]["spec"]["containers"][0]
    args = build_parser("daemon").parse_args(daemon["args"])
    assert deployment["spec"]["replicas"] > 1
    assert args.leader_elect or args.shards > 1
    assert args.identity is None and "POD_NAME" in {e["name"] for e in daemon["env"]}


def what_the_daemon_calls(platform: Platform) -> tuple[set[Permission], set[Permission]]:
    """(cluster-wide, in the daemon's namespace): every request of a reconcile that creates, then prunes every
    kind, plus the lease election of one leader and of shards; and what the RBAC objects it applied grant (an
    account may only grant what it holds)."""
    platform.reset_counters()
    assert platform.reconcile("--prune").code == 0
    client_rules: list[dict[str, Any]] = []
    for name in platform.cluster.emulators:
        rbac = kubernetes.client.RbacAuthorizationV1Api(platform.cluster.api_client(name))
        for role in rbac.list_cluster_role(label_selector=INSTANCE_LABEL).items:
            client_rules += [rbac.api_client.sanitize_for_serialization(r) for r in role.rules]
    for directory in ("pipelines", "workspaces", "workspace-templates"):
        platform.remove(directory)
    pruned = platform.reconcile("--prune", "--allow-mass-prune")
    assert pruned.code == 0 and "pruned Workspace/" in pruned.out and "pruned Namespace/" in pruned.out, pruned.out
    calls = set()
    for name in platform.cluster.emulators:
        calls |= permissions(platform.cluster[name].requests.entries)

    mgmt = platform.cluster["mgmt"]
    mgmt.requests.reset()
    clock = ManualClock()
    for shards in (1, 2):
        replicas = [
            coordinator_for(platform.cluster.api_client("mgmt"), NAMESPACE, name, shards, timing=FAST, clock=clock)
            for name in ("replica", "gone")
        ]
        for coordinator in replicas:
            coordinator.step()
        assert replicas[0].may_write()
        for _ in range(FORGET_AFTER_LEASE_DURATIONS + 2):  # "gone" never comes back: its member Lease is deleted
            clock.advance(FAST.lease_duration)
            replicas[0].step()
        replicas[0].stop()
    leases = permissions(mgmt.requests.entries)
    return calls | granted(client_rules), leases


def test_the_rbac_grants_exactly_what_the_daemon_calls(platform: Platform) -> None:
    apply_deploy(platform)
    cluster_wide, in_namespace = what_the_daemon_calls(platform)
    documents = rendered()
    (cluster_role,) = by_kind(documents, "ClusterRole")
    (role,) = by_kind(documents, "Role")
    assert role["metadata"]["namespace"] == NAMESPACE
    verbs = ("get", "list", "create", "update", "delete")
    assert in_namespace == {("coordination.k8s.io", "leases", verb) for verb in verbs}
    assert granted(role["rules"]) == in_namespace
    missing = cluster_wide - granted(cluster_role["rules"])
    unused = granted(cluster_role["rules"]) - cluster_wide
    assert (missing, unused) == (set(), set())


@pytest.mark.parametrize("field", ["apiGroups", "resources", "verbs"])
def test_a_wildcard_in_a_rule_is_refused(field: str) -> None:
    rule = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"], field: ["*"]}
    with pytest.raises(AssertionError, match="wildcard"):
        granted([rule])
