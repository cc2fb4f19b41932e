"""Replicas for takeover tests: in this process (stopped at teardown) or in a child process (to SIGKILL)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reconciler.daemon.leader import LeaderCoordinator
from reconciler.daemon.replicas import coordinator_for
from reconciler.daemon.sharding import ShardCoordinator
from tests.conftest import REPO_ROOT
from tests.daemon.timing import FAST
from tests.kube_emulator.fixtures import EmulatorCluster

Coordinator = LeaderCoordinator | ShardCoordinator


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until `condition` held; fails the test after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not within {timeout:g}s: {what}")
        time.sleep(0.02)
    return time.monotonic() - started


class ChildReplica:
    """tests/daemon/replica.py in a process of its own; `owned` is what it last said it may write."""

    def __init__(self, kubeconfig: Path, identity: str, shards: int, clusters: list[str]) -> None:
        command = [sys.executable, "-m", "tests.daemon.replica", str(kubeconfig), "cluster", identity, str(shards)]
        self.process = subprocess.Popen(
            [*command, *clusters], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.owned: set[str] = set()

    def wait_owning(self, condition: Callable[[set[str]], bool], timeout: float = 30) -> None:
        """Read its lines until what it owns satisfies `condition`."""
        started = time.monotonic()
        assert self.process.stdout is not None
        while not condition(self.owned):
            if time.monotonic() - started > timeout:
                pytest.fail(f"the child replica still owns {sorted(self.owned)} after {timeout:g}s")
            line = self.process.stdout.readline()
            if not line:
                pytest.fail(f"the child replica exited with {self.process.wait()}")
            self.owned = {c for c in line.removeprefix("owns ").strip().split(",") if c}

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture()
def replicas(kube_emulators: EmulatorCluster) -> Iterator[Callable[..., Coordinator]]:
    """A factory of started coordinators against the emulator named "cluster"; all stop at teardown."""
    kube_emulators("cluster")
    started: list[Coordinator] = []

    def start(identity: str, shards: int = 1) -> Coordinator:
        coordinator = coordinator_for(kube_emulators.api_client("cluster"), "default", identity, shards, timing=FAST)
        coordinator.start()
        started.append(coordinator)
        return coordinator

    yield start
    for coordinator in started:
        coordinator.stop()


@pytest.fixture()
def child_replicas(kube_emulators: EmulatorCluster) -> Iterator[Callable[..., ChildReplica]]:
    children: list[ChildReplica] = []

    def start(identity: str, shards: int, clusters: list[str]) -> ChildReplica:
        child = ChildReplica(kube_emulators.kubeconfig, identity, shards, clusters)
        children.append(child)
        return child

    yield start
    for child in children:
        child.kill()
