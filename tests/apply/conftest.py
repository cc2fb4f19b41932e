"""A platform for apply tests: the starter repo on disk and one emulated cluster per Cluster it declares."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import urllib3

from reconciler.model.ownership import INSTANCE_LABEL
from tests.conftest import REPO_ROOT, PortalRun, run_portal_in_process
from tests.kube_emulator.fixtures import EmulatorCluster, kube_emulator, kube_emulators
from tests.kube_emulator.kubeconfig import write_kubeconfig

__all__ = ["Platform", "kube_emulator", "kube_emulators"]

CLUSTERS = ("mgmt", "dev-eu-1", "prd-eu-1")
# Namespaces Butler itself creates on the management cluster (teams, its own); we never create them.
BUTLER_NAMESPACES = ("butler-system", "team-platform", "team-payments", "team-data")
WORKSPACES = "/apis/butler.butlerlabs.dev/v1alpha1/namespaces/team-platform/workspaces"


@dataclass
class Platform:
    repo: Path
    cluster: EmulatorCluster
    kubeconfig: Path

    # ----- running portal

    def reconcile(self, *args: str) -> PortalRun:
        return run_portal_in_process("reconcile", self.repo, "--kubeconfig", self.kubeconfig, "--no-db", *args)

    def plan(self, *args: str) -> PortalRun:
        return run_portal_in_process("plan", self.repo, "--kubeconfig", self.kubeconfig, *args)

    # ----- editing the repo

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.repo / relative
        text = path.read_text()
        assert old in text, f"{old!r} is not in {relative}"
        path.write_text(text.replace(old, new, 1))

    def remove(self, relative: str) -> None:
        target = self.repo / relative
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()

    def write(self, relative: str, text: str) -> None:
        (self.repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (self.repo / relative).write_text(text)

    # ----- looking at the clusters

    def reset_counters(self) -> None:
        for emulator in self.cluster.emulators.values():
            emulator.requests.reset()

    def writes(self, name: str | None = None) -> int:
        """Write requests (dry-run ones too) received by one cluster, or by all."""
        names = [name] if name else list(self.cluster.emulators)
        return sum(self.cluster[n].requests.writes for n in names)

    def request(self, name: str, method: str, path: str, body: Any = None, content_type: str = "") -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": content_type or "application/json"}
        response = urllib3.request(method, self.cluster[name].url + path, body=data, headers=headers, timeout=10)
        return response.status, json.loads(response.data) if response.data else None

    def get(self, name: str, path: str) -> dict[str, Any] | None:
        status, body = self.request(name, "GET", path)
        return body if status == 200 else None

    def names(self, name: str, collection: str, ours: bool = True) -> set[str]:
        """Names (namespace/name) in a collection; only ours (our instance label) by default."""
        query = f"?labelSelector={INSTANCE_LABEL}%3Ddefault" if ours else ""
        _, body = self.request(name, "GET", collection + query)
        return {f"{i['metadata'].get('namespace', '')}/{i['metadata']['name']}".lstrip("/") for i in body["items"]}

    def merge_patch(self, name: str, path: str, patch: dict[str, Any], manager: str = "kubectl-edit") -> None:
        """What `kubectl edit` does: a merge patch under another field manager."""
        status, body = self.request(
            name, "PATCH", f"{path}?fieldManager={manager}", patch, "application/merge-patch+json"
        )
        assert status == 200, body

    def make_unreachable(self, name: str) -> None:
        """Point the cluster's context at a port nobody listens on (connection refused)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            dead = probe.getsockname()[1]
        servers = {n: e.url for n, e in self.cluster.emulators.items()}
        write_kubeconfig(self.kubeconfig, {**servers, name: f"http://127.0.0.1:{dead}"})

    def inventory(self, name: str) -> list[str]:
        configmap = self.get(name, f"/api/v1/namespaces/portal-system/configmaps/portal-inventory-default-{name}")
        return (configmap or {}).get("data", {}).get("objects", "").splitlines()


def start_platform(cluster: EmulatorCluster, root: Path) -> Platform:
    cluster(*CLUSTERS)
    for namespace in BUTLER_NAMESPACES:
        status, _ = Platform(root, cluster, cluster.kubeconfig).request(
            "mgmt", "POST", "/api/v1/namespaces", {"metadata": {"name": namespace}}
        )
        assert status == 201
    repo = root / "repo"
    shutil.copytree(REPO_ROOT / "repo-template", repo)
    kubeconfig = write_kubeconfig(root / "kubeconfig.yaml", {n: e.url for n, e in cluster.emulators.items()})
    return Platform(repo, cluster, kubeconfig)


@pytest.fixture()
def platform(kube_emulators: EmulatorCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    yield start_platform(kube_emulators, tmp_path)
