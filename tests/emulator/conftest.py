from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes
import pytest
import urllib3
from kubernetes.dynamic import DynamicClient

from tests.kube_emulator.fixtures import EmulatorCluster, kube_emulator, kube_emulators
from tests.kube_emulator.threaded import EmulatorThread

__all__ = ["kube_emulator", "kube_emulators"]


@dataclass
class Cluster:
    """One emulator with the clients a test talks to it through."""

    emulator: EmulatorThread
    kubeconfig: Path
    api_client: kubernetes.client.ApiClient

    @property
    def core(self) -> kubernetes.client.CoreV1Api:
        return kubernetes.client.CoreV1Api(self.api_client)

    @property
    def apps(self) -> kubernetes.client.AppsV1Api:
        return kubernetes.client.AppsV1Api(self.api_client)

    @property
    def custom(self) -> kubernetes.client.CustomObjectsApi:
        return kubernetes.client.CustomObjectsApi(self.api_client)

    @property
    def dynamic(self) -> DynamicClient:
        return DynamicClient(self.api_client)

    def raw(self, method: str, path: str, body: Any = None, content_type: str = "application/json") -> tuple[int, Any]:
        """A request below the official client, for what it would refuse to send; returns (status, JSON)."""
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        response = urllib3.request(
            method, self.emulator.url + path, body=data, headers={"Content-Type": content_type}, timeout=10
        )
        try:
            return response.status, json.loads(response.data)
        except ValueError:
            return response.status, response.data

    def kubectl(self, *args: str, stdin: str | None = None, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        command = ["kubectl", "--kubeconfig", str(self.kubeconfig), "--context", "cluster", *args]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture()
def cluster(kube_emulators: EmulatorCluster, kube_emulator: EmulatorThread) -> Cluster:
    return Cluster(kube_emulator, kube_emulators.kubeconfig, kube_emulators.api_client("cluster"))
