"""Kubeconfigs read from Secrets are data whoever writes the Secret controls: their plugins never run without
--allow-kubeconfig-exec, and they are read only from where Butler keeps them."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.apply.conftest import Platform
from tests.conftest import run_portal_in_process
from tests.foundation.repos import ALIAS_BOMB
from tests.kube_emulator.kubeconfig import kubeconfig_document

TENANT_CLUSTERS = "/apis/butler.butlerlabs.dev/v1alpha1/namespaces/team-platform/tenantclusters"


def store_kubeconfig(platform: Platform, namespace: str, document: dict[str, Any] | str) -> None:
    text = document if isinstance(document, str) else yaml.safe_dump(document)
    encoded = base64.b64encode(text.encode()).decode()
    secret = {"metadata": {"name": "dev-eu-1-admin-kubeconfig"}, "data": {"value": encoded}}
    status, body = platform.request("mgmt", "POST", f"/api/v1/namespaces/{namespace}/secrets", secret)
    assert status == 201, body
    platform.edit(
        "clusters/dev-eu-1.yaml",
        "    context: dev-eu-1",
        f"    kubeconfigSecretRef: {{namespace: {namespace}, name: dev-eu-1-admin-kubeconfig, key: value}}",
    )


def with_exec(platform: Platform, marker: Path) -> dict[str, Any]:
    document = kubeconfig_document({"dev-eu-1": platform.cluster["dev-eu-1"].url})
    document["users"][0]["user"] = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "sh",
            "args": ["-c", f"touch {marker}"],
            "interactiveMode": "Never",
        }
    }
    return document


REFUSED = (
    "dev-eu-1: cannot connect: Secret team-platform/dev-eu-1-admin-kubeconfig on the management cluster: key "
    "'value' has users that run commands on this host: 'dev-eu-1' (exec); refused (--allow-kubeconfig-exec to allow)"
)


@pytest.mark.parametrize(
    "command", [("reconcile", "--no-db"), ("reconcile", "--no-db", "--dry-run"), ("plan",), ("plan", "--prune")]
)
def test_an_exec_plugin_in_a_secrets_kubeconfig_is_never_run(
    platform: Platform, tmp_path: Path, command: tuple[str, ...]
) -> None:
    marker = tmp_path / "exec-ran"
    store_kubeconfig(platform, "team-platform", with_exec(platform, marker))
    run = run_portal_in_process(command[0], platform.repo, "--kubeconfig", platform.kubeconfig, *command[1:])
    assert run.code in (1, 2), run.out
    assert REFUSED in run.out
    assert not marker.exists()
    assert platform.cluster["dev-eu-1"].requests.total == 0
    assert "\nprd-eu-1" in run.out  # the other clusters carry on


def test_the_flag_lets_the_plugin_run(platform: Platform, tmp_path: Path) -> None:
    marker = tmp_path / "exec-ran"
    store_kubeconfig(platform, "team-platform", with_exec(platform, marker))
    platform.plan("--allow-kubeconfig-exec")
    assert marker.exists()  # what the refusal above keeps from happening


def test_an_auth_provider_plugin_is_refused_too(platform: Platform) -> None:
    document = kubeconfig_document({"dev-eu-1": platform.cluster["dev-eu-1"].url})
    document["users"][0]["user"] = {"auth-provider": {"name": "oidc", "config": {"client-id": "x"}}}
    store_kubeconfig(platform, "team-platform", document)
    run = platform.reconcile()
    assert run.code == 1
    assert "'dev-eu-1' (auth-provider); refused (--allow-kubeconfig-exec to allow)" in run.out


def test_a_secret_outside_butlers_namespaces_is_never_read(platform: Platform) -> None:
    store_kubeconfig(platform, "team-payments", kubeconfig_document({"dev-eu-1": platform.cluster["dev-eu-1"].url}))
    platform.reset_counters()
    run = platform.reconcile()
    assert run.code == 1
    assert (
        "dev-eu-1: cannot connect: kubeconfigSecretRef: namespace 'team-payments' is not where Butler keeps "
        "kubeconfigs (butler-system, team-platform or its TenantCluster's status.tenantNamespace); "
        "the Secret was not read"
    ) in run.out
    assert platform.cluster["mgmt"].requests.count("GET", "/secrets/") == 0
    assert platform.cluster["dev-eu-1"].requests.total == 0

    # Butler's TenantCluster says its tenant namespace is team-payments: that is where Butler keeps it.
    tenant = {"apiVersion": "butler.butlerlabs.dev/v1alpha1", "kind": "TenantCluster", "metadata": {"name": "dev-eu-1"}}
    status, created = platform.request("mgmt", "POST", TENANT_CLUSTERS, tenant)
    assert status == 201, created
    created["status"] = {"tenantNamespace": "team-payments"}
    status, body = platform.request("mgmt", "PUT", f"{TENANT_CLUSTERS}/dev-eu-1/status", created)
    assert status == 200, body
    allowed = platform.reconcile()
    assert allowed.code == 0, allowed.out
    assert platform.get("dev-eu-1", "/apis/apps/v1/namespaces/vector/daemonsets/vector-agent")


def test_a_secret_in_butler_system_is_read(platform: Platform) -> None:
    store_kubeconfig(platform, "butler-system", kubeconfig_document({"dev-eu-1": platform.cluster["dev-eu-1"].url}))
    run = platform.reconcile()
    assert run.code == 0, run.out


def test_validate_refuses_a_secret_namespace_it_knows_is_wrong(platform: Platform) -> None:
    platform.write(
        "clusters/edge-1.yaml",
        """apiVersion: portal.butlerlabs.dev/v1alpha1
kind: Cluster
metadata:
  name: edge-1
spec:
  role: tenant
  team: platform
  connection:
    kubeconfigSecretRef: {namespace: team-data, name: edge-1-admin-kubeconfig}
""",
    )
    run = run_portal_in_process("validate", platform.repo)
    assert run.code == 1
    assert (
        "clusters/edge-1.yaml:9:27: error: Cluster/edge-1: spec.connection.kubeconfigSecretRef.namespace: "
        "'team-data' is not where Butler keeps kubeconfigs; without a tenantClusterRef only 'butler-system' is allowed"
    ) in run.out
    platform.edit("clusters/edge-1.yaml", "namespace: team-data", "namespace: butler-system")
    assert run_portal_in_process("validate", platform.repo).code == 0


def test_an_unreachable_management_cluster_is_a_per_cluster_error(platform: Platform) -> None:
    store_kubeconfig(platform, "team-platform", kubeconfig_document({"dev-eu-1": platform.cluster["dev-eu-1"].url}))
    platform.make_unreachable("mgmt")
    run = platform.reconcile("--request-timeout", "2")
    assert run.code == 1, run.out + run.err
    assert "dev-eu-1: cannot connect: Secret team-platform/dev-eu-1-admin-kubeconfig on the management cluster" in (
        run.out
    )
    assert "\nprd-eu-1: " in run.out and "Traceback" not in run.err


def test_an_alias_bomb_in_a_secrets_kubeconfig_is_a_per_cluster_error(platform: Platform) -> None:
    """The Secret's kubeconfig goes through the loader every YAML input does, with its alias limit."""
    document = kubeconfig_document({"dev-eu-1": platform.cluster["dev-eu-1"].url})
    bombed = yaml.safe_dump(document) + ALIAS_BOMB
    store_kubeconfig(platform, "team-platform", bombed)
    run = platform.reconcile()
    assert run.code == 1, run.out + run.err
    assert (
        "dev-eu-1: cannot connect: Secret team-platform/dev-eu-1-admin-kubeconfig on the management cluster: key "
        "'value' does not hold a usable kubeconfig: invalid YAML: aliases expand to too many values (an alias "
        "bomb?); write the values out (line "
    ) in run.out
    assert "emulator-token" not in run.out + run.err  # the Secret's contents are never shown
    assert platform.cluster["dev-eu-1"].requests.total == 0
    assert "\nprd-eu-1: " in run.out and "Traceback" not in run.err


def test_a_secrets_kubeconfig_with_a_duplicate_key_is_refused_as_any_yaml_input_is(platform: Platform) -> None:
    document = kubeconfig_document({"dev-eu-1": platform.cluster["dev-eu-1"].url})
    store_kubeconfig(platform, "team-platform", yaml.safe_dump(document) + "current-context: prd-eu-1\n")
    run = platform.reconcile()
    assert run.code == 1, run.out + run.err
    assert "key 'value' does not hold a usable kubeconfig: invalid YAML: duplicate key 'current-context'" in run.out
    assert platform.cluster["dev-eu-1"].requests.total == 0
