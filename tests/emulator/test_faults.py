"""Fault injection and request counting, the hooks tests use to exercise failure paths."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import time
import urllib.parse
from typing import Any

import pytest
import urllib3
from kubernetes.client import ApiException

from tests.emulator.conftest import Cluster
from tests.emulator.test_writes import configmap


def test_next_requests_fail_with_a_status(cluster: Cluster) -> None:
    fault = cluster.emulator.faults.fail(503, times=2, method="GET", path=r"/configmaps$", message="etcd is sad")
    for _ in range(2):
        with pytest.raises(ApiException) as caught:
            cluster.core.list_namespaced_config_map("default")
        assert caught.value.status == 503
        assert '"reason": "ServiceUnavailable"' in caught.value.body and "etcd is sad" in caught.value.body
    assert cluster.core.list_namespaced_config_map("default").items == []
    assert fault.fired == 2 and fault.exhausted


def test_faults_match_method_and_path_only(cluster: Cluster) -> None:
    cluster.emulator.faults.fail(500, times=None, method="POST", path="/secrets")
    cluster.core.create_namespaced_config_map("default", configmap("fine"))
    with pytest.raises(ApiException) as caught:
        cluster.core.create_namespaced_secret("default", {"metadata": {"name": "s"}})
    assert caught.value.status == 500
    assert cluster.core.list_namespaced_secret("default").items == []  # the failed write stored nothing
    cluster.emulator.faults.clear()
    cluster.core.create_namespaced_secret("default", {"metadata": {"name": "s"}})


def test_closed_connection(cluster: Cluster) -> None:
    cluster.emulator.faults.close(times=1, path="/namespaces/default$")
    with pytest.raises(urllib3.exceptions.ProtocolError):
        urllib3.request("GET", cluster.emulator.url + "/api/v1/namespaces/default", retries=False, timeout=5)
    response = urllib3.request("GET", cluster.emulator.url + "/api/v1/namespaces/default", retries=False)
    assert response.status == 200


def test_hanging_request_times_out_on_the_client(cluster: Cluster) -> None:
    cluster.emulator.faults.hang(times=1, method="GET", seconds=5)
    started = time.monotonic()
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        urllib3.request("GET", cluster.emulator.url + "/api/v1/namespaces", retries=False, timeout=0.5)
    assert time.monotonic() - started < 3
    assert cluster.core.list_namespace().items  # the next request is served


def test_request_counters(cluster: Cluster) -> None:
    requests = cluster.emulator.requests
    cluster.core.create_namespaced_config_map("default", configmap("a"))
    assert requests.writes == 1
    requests.reset()
    cluster.core.list_namespaced_config_map("default")
    cluster.core.read_namespaced_config_map("a", "default")
    assert requests.writes == 0 and requests.reads == 2 and requests.total == 2
    cluster.core.patch_namespaced_config_map("a", "default", {"data": {"k": "v"}}, dry_run="All")
    cluster.core.delete_namespaced_config_map("a", "default")
    assert requests.writes == 2 and requests.mutating_writes == 1
    assert requests.count("PATCH") == 1 and requests.count(method="delete", path=r"/configmaps/a$") == 1
    assert requests.count(path=r"/configmaps") == 4
    assert [(r.method, r.path) for r in requests.entries][-1] == ("DELETE", "/api/v1/namespaces/default/configmaps/a")


def test_faulted_requests_are_counted(cluster: Cluster) -> None:
    cluster.emulator.requests.reset()
    cluster.emulator.faults.fail(500, times=1)
    with pytest.raises(ApiException):
        cluster.core.create_namespaced_config_map("default", configmap("a"))
    assert cluster.emulator.requests.writes == 1
    assert cluster.core.list_namespaced_config_map("default").items == []


def test_each_emulator_has_its_own_state_and_faults(kube_emulators: object) -> None:
    from tests.kube_emulator.fixtures import EmulatorCluster

    assert isinstance(kube_emulators, EmulatorCluster)
    dev, prod = kube_emulators("dev", "prod")
    assert dev.url != prod.url
    import kubernetes

    configuration = kubernetes.client.Configuration()  # not the process-wide default other tests share
    kubernetes.config.load_kube_config(
        config_file=str(kube_emulators.kubeconfig), context="prod", client_configuration=configuration
    )
    prod_core = kubernetes.client.CoreV1Api(kubernetes.client.ApiClient(configuration))
    prod_core.create_namespaced_config_map("default", configmap("only-in-prod"))
    dev_core = kubernetes.client.CoreV1Api(kube_emulators.api_client("dev"))
    assert dev_core.list_namespaced_config_map("default").items == []
    assert [c.metadata.name for c in prod_core.list_namespaced_config_map("default").items] == ["only-in-prod"]
    dev.faults.fail(500, times=None)
    assert prod_core.list_namespaced_config_map("default").items
    assert prod.requests.writes == 1 and dev.requests.writes == 0


def test_throttling_with_retry_after(cluster: Cluster) -> None:
    cluster.emulator.faults.fail(429, times=1, retry_after=2, message="too many requests, please try again later")
    response = urllib3.request("GET", cluster.emulator.url + "/api/v1/namespaces", retries=False)
    assert response.status == 429 and response.headers["Retry-After"] == "2"
    status = response.json()
    assert status["reason"] == "TooManyRequests" and status["details"]["retryAfterSeconds"] == 2


def test_stopping_releases_hanging_requests_and_watches() -> None:
    import threading

    from tests.kube_emulator import EmulatorThread

    emulator = EmulatorThread("short-lived").start()
    emulator.faults.hang(times=1, path="/namespaces$", seconds=60)
    outcomes: list[str] = []

    def call(path: str) -> None:
        try:
            urllib3.request("GET", emulator.url + path, retries=False, timeout=30)
            outcomes.append("answered")
        except urllib3.exceptions.HTTPError:
            outcomes.append("dropped")

    threads = [
        threading.Thread(target=call, args=("/api/v1/namespaces",)),
        threading.Thread(target=call, args=("/api/v1/configmaps?watch=1",)),
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    emulator.stop()
    for thread in threads:
        thread.join(timeout=10)
    assert time.monotonic() - started < 5
    assert sorted(outcomes) == ["answered", "dropped"]  # the watch ends cleanly, the hung request is cut


def test_emulators_stop_cleanly_in_any_order() -> None:
    from tests.kube_emulator import EmulatorThread

    first, second, third = (EmulatorThread(name).start() for name in ("first", "second", "third"))
    for emulator in (first, second, third):
        urllib3.request("GET", emulator.url + "/api/v1/namespaces", timeout=5)
    second.stop()  # stop() raises if the emulator's thread failed or hung
    first.stop()
    third.stop()


def test_faults_can_match_the_query_string(cluster: Cluster) -> None:
    fault = cluster.emulator.faults.fail(500, times=None, path="/configmaps$", query=r"(^|&)watch=")
    assert cluster.core.list_namespaced_config_map("default").items == []  # a plain list passes
    with pytest.raises(ApiException) as caught:
        cluster.core.list_namespaced_config_map("default", watch=True, timeout_seconds=1, _preload_content=False)
    assert caught.value.status == 500 and fault.fired == 1


def _send_in_two_parts(url: str, path: str, body: bytes, pause: float) -> tuple[int, dict[str, Any]]:
    """A POST whose head is sent, then its body `pause` seconds later (a client paused in between)."""
    address = urllib.parse.urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        head = f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: application/json\r\n"
        connection.sendall(f"{head}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
        time.sleep(pause)
        with contextlib.suppress(OSError):  # a server that answered already may have closed
            connection.sendall(body)
        answer = http.client.HTTPResponse(connection)
        answer.begin()
        return answer.status, json.loads(answer.read())


def test_a_write_whose_body_comes_after_its_timeout_is_not_executed(cluster: Cluster) -> None:
    """As the real API server: `timeout` counts from the head's arrival, and a later body writes nothing."""
    path = "/api/v1/namespaces/default/configmaps"
    status, answer = _send_in_two_parts(
        cluster.emulator.url, f"{path}?timeout=200ms", json.dumps(configmap("late")).encode(), pause=0.6
    )
    assert (status, answer["reason"]) == (504, "Timeout")
    assert cluster.core.list_namespaced_config_map("default").items == []
    status, _ = _send_in_two_parts(
        cluster.emulator.url, f"{path}?timeout=1m", json.dumps(configmap("slow")).encode(), 0.3
    )
    assert status == 201
    assert [c.metadata.name for c in cluster.core.list_namespaced_config_map("default").items] == ["slow"]


def test_a_timeout_the_server_cannot_parse_is_a_bad_request(cluster: Cluster) -> None:
    status, answer = cluster.raw("POST", "/api/v1/namespaces/default/configmaps?timeout=5", configmap("c"))
    assert status == 400 and "invalid timeout" in answer["message"]
    status, _ = cluster.raw("POST", "/api/v1/namespaces/default/configmaps?timeout=1m30.5s", configmap("c"))
    assert status == 201
