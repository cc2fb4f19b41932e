"""The standalone emulator's admin API: faults and request counters for tests in another process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3

from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("emulator") / "requests.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.kube_emulator", "--port", "0", "--log", str(log)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def call(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    response = urllib3.request(
        method, url + path, body=data, headers={"Content-Type": "application/json"}, timeout=10, retries=False
    )
    return response.status, json.loads(response.data) if response.data else None


@pytest.fixture()
def emulator(standalone: str) -> str:
    assert call(standalone, "DELETE", "/_emulator/faults")[0] == 200
    assert call(standalone, "POST", "/_emulator/requests/reset")[0] == 200
    return standalone


def test_a_fault_fails_the_matching_requests_as_often_as_asked(emulator: str) -> None:
    fault = {"action": "fail", "status": 503, "method": "GET", "path": r"/configmaps$", "times": 2}
    status, body = call(emulator, "POST", "/_emulator/faults", fault)
    assert status == 201 and isinstance(body["id"], int)
    assert call(emulator, "GET", "/api/v1/namespaces/default/secrets")[0] == 200  # another path
    assert call(emulator, "GET", "/api/v1/namespaces/default/configmaps")[0] == 503
    assert call(emulator, "GET", "/api/v1/namespaces/default/configmaps")[0] == 503
    assert call(emulator, "GET", "/api/v1/namespaces/default/configmaps")[0] == 200


def test_faults_until_cleared_and_by_query(emulator: str) -> None:
    fault = {"action": "fail", "status": 403, "query": "labelSelector=", "times": None}
    assert call(emulator, "POST", "/_emulator/faults", fault)[0] == 201
    for _ in range(3):
        assert call(emulator, "GET", "/api/v1/namespaces?labelSelector=a%3Db")[0] == 403
    assert call(emulator, "GET", "/api/v1/namespaces")[0] == 200
    assert call(emulator, "DELETE", "/_emulator/faults")[0] == 200
    assert call(emulator, "GET", "/api/v1/namespaces?labelSelector=a%3Db")[0] == 200


def test_a_closed_connection(emulator: str) -> None:
    assert call(emulator, "POST", "/_emulator/faults", {"action": "close", "path": "/namespaces/default$"})[0] == 201
    with pytest.raises(urllib3.exceptions.ProtocolError):
        call(emulator, "GET", "/api/v1/namespaces/default")
    assert call(emulator, "GET", "/api/v1/namespaces/default")[0] == 200


def test_request_counters_leave_admin_requests_out(emulator: str) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "counted"}}
    assert call(emulator, "POST", "/api/v1/namespaces", namespace)[0] == 201
    assert call(emulator, "POST", "/api/v1/namespaces?dryRun=All", {**namespace, "metadata": {"name": "x"}})[0] == 201
    assert call(emulator, "GET", "/api/v1/namespaces/counted")[0] == 200
    status, counters = call(emulator, "GET", "/_emulator/requests")
    assert status == 200
    assert counters == {"total": 3, "reads": 1, "writes": 2, "mutating_writes": 1}
    assert call(emulator, "POST", "/_emulator/requests/reset")[0] == 200
    assert call(emulator, "GET", "/_emulator/requests")[1] == dict.fromkeys(counters, 0)


@pytest.mark.parametrize(
    "fault",
    [
        {"action": "explode"},
        {"action": "fail", "status": 200},
        {"action": "fail", "times": 0},
        {"action": "fail", "path": "("},
        {"action": "fail", "method": 3},
        [],
    ],
)
def test_a_bad_fault_is_refused_and_adds_nothing(emulator: str, fault: Any) -> None:
    status, body = call(emulator, "POST", "/_emulator/faults", fault)
    assert status == 400 and body["reason"] == "BadRequest"
    assert call(emulator, "GET", "/api/v1/namespaces")[0] == 200


def test_an_unknown_admin_route_is_404(emulator: str) -> None:
    assert call(emulator, "GET", "/_emulator/nothing")[0] == 404
