"""The engine on one emulated cluster: CRDs and Namespaces before what needs them, credentials that fail cleanly."""

from __future__ import annotations

import http.client
import time
from typing import Any

import pytest

from reconciler.kube.client import FENCED, Fenced, KubeClient, object_path
from reconciler.kube.cluster_reconcile import reconcile_cluster
from reconciler.kube.connect import ConnectError, connect, find_kubeconfig
from reconciler.kube.fenced_send import WriteFence
from reconciler.model.kinds import Cluster, ClusterWorkspaces, Connection, SecretKeyRef
from reconciler.settings import ApplyOptions
from tests.kube_emulator.fixtures import EmulatorCluster
from tests.kube_emulator.threaded import EmulatorThread

WIDGETS_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }
        ],
    },
}


def test_a_crd_its_namespace_and_its_resources_apply_in_one_run(
    kube_emulators: EmulatorCluster, kube_emulator: EmulatorThread
) -> None:
    client = KubeClient(kube_emulators.api_client("cluster"))
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "shop"},
        "spec": {"size": 3},
    }
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    options = ApplyOptions(instance="default")
    report = reconcile_cluster("cluster", client, [widget, namespace, WIDGETS_CRD], "correct", options)
    assert report.status == "ok", report.error
    assert [(o.key.kind, o.result) for o in report.outcomes] == [
        ("CustomResourceDefinition", "created"),
        ("Namespace", "created"),
        ("Widget", "created"),
    ]
    kube_emulator.requests.reset()
    again = reconcile_cluster("cluster", client, [widget, namespace, WIDGETS_CRD], "correct", options)
    assert again.outcomes == () and kube_emulator.requests.writes == 0


def _cluster(connection: Connection) -> Cluster:
    return Cluster(
        doc=None,  # type: ignore[arg-type]  # connecting never reads the document
        name="c",
        labels={},
        role="tenant",
        team=None,
        connection=connection,
        tenant_cluster_ref=None,
        drift="correct",
        workspaces=ClusterWorkspaces(),
    )


def test_credentials_fail_with_a_plain_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(ConnectError, match="in-cluster configuration"):
        connect(_cluster(Connection(in_cluster=True)), None)
    with pytest.raises(ConnectError, match="needs a kubeconfig"):
        connect(_cluster(Connection(context="x")), None)
    with pytest.raises(ConnectError, match="management cluster, which is not reachable"):
        connect(_cluster(Connection(kubeconfig_secret_ref=SecretKeyRef("c-admin-kubeconfig", "value"))), None)


def test_the_kubeconfig_is_the_flag_then_the_environment() -> None:
    assert find_kubeconfig("given", {"KUBECONFIG": "env"}) == "given"
    assert find_kubeconfig(None, {"KUBECONFIG": "env"}) == "env"


def test_a_fenced_client_sends_no_write_once_its_fence_says_no(
    kube_emulators: EmulatorCluster, kube_emulator: EmulatorThread
) -> None:
    """A daemon replica that lost its lease in the middle of a cluster: the writes after that are not sent."""
    client = KubeClient(kube_emulators.api_client("cluster"))
    client.fence = WriteFence(lambda: kube_emulator.requests.count("PATCH", "/namespaces/ns-") == 0)  # lost after one
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns-{i}"}} for i in range(3)]
    report = reconcile_cluster(
        "cluster", client, namespaces, "correct", ApplyOptions(instance="default", concurrency=1)
    )
    assert kube_emulator.requests.count("PATCH", "/namespaces/ns-") == 1
    assert sorted(o.result for o in report.outcomes) == ["created", "failed", "failed"]
    assert all(o.message == FENCED for o in report.outcomes if o.result == "failed")


def test_a_write_whose_fence_is_lost_after_its_head_is_sent_sends_no_body(
    kube_emulators: EmulatorCluster, kube_emulator: EmulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replica paused right after a write's first bytes left, and deposed meanwhile: on waking it must not send
    the rest, or the API server completes the request and executes it."""
    client = KubeClient(kube_emulators.api_client("cluster"))
    held = [True]
    client.fence = WriteFence(lambda: held[0])
    send = http.client.HTTPConnection.send

    def send_then_lose_the_lease(connection: http.client.HTTPConnection, data: Any) -> None:
        send(connection, data)
        held[0] = False  # the pause: a successor takes the lease before the next instruction

    monkeypatch.setattr(http.client.HTTPConnection, "send", send_then_lose_the_lease)
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    with pytest.raises(Fenced):
        client.apply(object_path("/api/v1", "namespaces", "", "shop"), namespace, force=True)
    monkeypatch.undo()
    assert kube_emulator.requests.writes == 0
    assert client.get(object_path("/api/v1", "namespaces", "", "shop")) is None


def test_a_write_paused_after_its_fence_said_yes_is_not_executed_by_the_server(
    kube_emulators: EmulatorCluster, kube_emulator: EmulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fence said yes, then the replica paused before the body left and was deposed meanwhile: the request's
    `timeout` runs from its head's arrival, so the server executes nothing when the body comes after it."""
    client = KubeClient(kube_emulators.api_client("cluster"))
    held = [True]
    client.fence = WriteFence(lambda: held[0], server_timeout=0.2)
    send = http.client.HTTPConnection.send

    def pause_before_the_body(connection: http.client.HTTPConnection, data: Any) -> None:
        if not bytes(data).startswith(b"PATCH "):
            time.sleep(0.5)
            held[0] = False
        send(connection, data)

    monkeypatch.setattr(http.client.HTTPConnection, "send", pause_before_the_body)
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    with pytest.raises(Fenced):  # the server's 504 is retried, and the retry is fenced
        client.apply(object_path("/api/v1", "namespaces", "", "shop"), namespace, force=True)
    monkeypatch.undo()
    assert client.get(object_path("/api/v1", "namespaces", "", "shop")) is None
    assert kube_emulator.requests.count("PATCH") == 1
