"""The pod a session execs into: from the Workspace CR's status on the management cluster, and only a pod that
carries the workspace's labels; a client never names one."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
import urllib3

from reconciler.model.kinds import RepoModel
from sitegen.terminal.pods import PodTarget, PodUnavailable, kube_pod_finder
from tests.kube_emulator.fixtures import EmulatorCluster
from tests.terminal.builders import read_until, serving

WORKSPACES = "/apis/butler.butlerlabs.dev/v1alpha1/namespaces/team-payments/workspaces"
LABELS = {
    "butler.butlerlabs.dev/workspace": "alice-ledger",
    "butler.butlerlabs.dev/workspace-owner": "alice-at-acme.dev",
}


def _call(cluster: EmulatorCluster, name: str, method: str, path: str, body: Any, content_type: str = "") -> None:
    response = urllib3.request(
        method,
        cluster[name].url + path,
        body=json.dumps(body).encode(),
        headers={"Content-Type": content_type or "application/json"},
        timeout=10,
    )
    assert response.status in (200, 201), response.data


def _platform(
    kube_emulators: EmulatorCluster, phase: str = "Running", labels: dict[str, str] | None = None
) -> EmulatorCluster:
    kube_emulators("mgmt", "dev-eu-1")
    _call(kube_emulators, "mgmt", "POST", "/api/v1/namespaces", {"metadata": {"name": "team-payments"}})
    _call(kube_emulators, "dev-eu-1", "POST", "/api/v1/namespaces", {"metadata": {"name": "workspaces"}})
    workspace = {
        "apiVersion": "butler.butlerlabs.dev/v1alpha1",
        "kind": "Workspace",
        "metadata": {"name": "alice-ledger", "namespace": "team-payments"},
        "spec": {"clusterRef": {"name": "dev-eu-1"}, "owner": "alice@acme.dev", "image": "golang:1.23"},
    }
    _call(kube_emulators, "mgmt", "POST", WORKSPACES, workspace)
    status = {"status": {"phase": phase, "podName": "ws-alice-ledger-0"}}
    _call(kube_emulators, "mgmt", "PATCH", f"{WORKSPACES}/alice-ledger/status", status, "application/merge-patch+json")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "ws-alice-ledger-0",
            "namespace": "workspaces",
            "labels": LABELS if labels is None else labels,
        },
        "spec": {"containers": [{"name": "workspace", "image": "golang:1.23"}]},
    }
    _call(kube_emulators, "dev-eu-1", "POST", "/api/v1/namespaces/workspaces/pods", pod)
    return kube_emulators


def test_the_pod_comes_from_the_workspace_status(model: RepoModel, kube_emulators: EmulatorCluster) -> None:
    cluster = _platform(kube_emulators)
    target = kube_pod_finder(str(cluster.kubeconfig), 10.0)(model, "payments", "alice-ledger")
    assert target == PodTarget("ws-alice-ledger-0", "workspaces", "workspace", "dev-eu-1")


@pytest.mark.parametrize(
    ("phase", "labels", "message"),
    [
        ("Stopped", None, "is not running (phase: Stopped)"),
        ("Running", {}, "does not carry workspace alice-ledger's labels"),
        ("Running", {**LABELS, "butler.butlerlabs.dev/workspace": "bob-box"}, "does not carry"),
    ],
)
def test_a_stopped_workspace_or_an_unlabelled_pod_is_refused(
    model: RepoModel, kube_emulators: EmulatorCluster, phase: str, labels: dict[str, str] | None, message: str
) -> None:
    cluster = _platform(kube_emulators, phase, labels)
    with pytest.raises(PodUnavailable, match=message.replace("(", r"\(").replace(")", r"\)")):
        kube_pod_finder(str(cluster.kubeconfig), 10.0)(model, "payments", "alice-ledger")


def test_a_missing_workspace_resource_is_refused(model: RepoModel, kube_emulators: EmulatorCluster) -> None:
    kube_emulators("mgmt", "dev-eu-1")
    with pytest.raises(PodUnavailable, match="Workspace team-payments/alice-ledger does not exist"):
        kube_pod_finder(str(kube_emulators.kubeconfig), 10.0)(model, "payments", "alice-ledger")


async def test_the_template_receives_the_looked_up_pod(model: RepoModel, kube_emulators: EmulatorCluster) -> None:
    cluster = _platform(kube_emulators)
    template = ("/bin/echo", "exec {pod} -n {namespace} -c {container} --context {context} --kubeconfig {kubeconfig}")
    finder = kube_pod_finder(str(cluster.kubeconfig), 10.0)
    async with serving(model, template=template, find_pod=finder) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        await read_until(socket, "exec ws-alice-ledger-0 -n workspaces -c workspace --context dev-eu-1")


async def test_a_stopped_workspace_gets_a_message_and_a_close_code(
    model: RepoModel, kube_emulators: EmulatorCluster
) -> None:
    cluster = _platform(kube_emulators, phase="Stopped")
    finder = kube_pod_finder(str(cluster.kubeconfig), 10.0)
    async with serving(model, template=("/bin/echo", "{pod}"), find_pod=finder) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        await read_until(socket, "is not running (phase: Stopped)")
        message = await socket.receive(timeout=10)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 4004
        assert harness.audit("session_start") == []
