"""Pytest fixtures: emulated clusters in background threads, for plain synchronous tests.

Import them into a conftest.py: `from tests.kube_emulator.fixtures import kube_emulator, kube_emulators`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import kubernetes
import pytest

from .kubeconfig import write_kubeconfig
from .threaded import EmulatorThread


class EmulatorCluster:
    """Emulators started by a test, each named after the kubeconfig context that points at it."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self.emulators: dict[str, EmulatorThread] = {}
        self._written: dict[str, str] | None = None

    def __call__(self, *names: str, butler_kinds: bool = True) -> list[EmulatorThread]:
        """Start one emulator per context name (default: one named "cluster") and return them in order."""
        started = []
        for name in names or ("cluster",):
            if name in self.emulators:
                raise ValueError(f"an emulator named {name!r} is already running")
            emulator = EmulatorThread(name, butler_kinds=butler_kinds).start()
            self.emulators[name] = emulator
            started.append(emulator)
        return started

    def __getitem__(self, name: str) -> EmulatorThread:
        return self.emulators[name]

    @property
    def kubeconfig(self) -> Path:
        """A kubeconfig with one context per running emulator (the first one is current).

        The file is rewritten only when emulators were started since, so a test may edit it (e.g. point a
        context at a dead port) without the next access undoing that.
        """
        path = self._directory / "kubeconfig.yaml"
        servers = {name: emulator.url for name, emulator in self.emulators.items()}
        if servers != self._written:
            write_kubeconfig(path, servers)
            self._written = servers
        return path

    def api_client(self, name: str) -> kubernetes.client.ApiClient:
        """An official client for the named emulator, loaded from the kubeconfig like product code does."""
        client: kubernetes.client.ApiClient = kubernetes.config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(self.kubeconfig), context=name
        )
        return client

    def stop_all(self) -> None:
        emulators = list(self.emulators.values())
        self.emulators.clear()
        failures = []
        for emulator in emulators:
            try:
                emulator.stop()
            except RuntimeError as e:  # stop the others anyway, then report
                failures.append(e)
        if failures:
            raise failures[0]


@pytest.fixture()
def kube_emulators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorCluster]:
    """A factory: `kube_emulators("dev", "prod")` starts two emulated clusters; all stop at teardown."""
    cluster = EmulatorCluster(tmp_path_factory.mktemp("kube"))
    try:
        yield cluster
    finally:
        cluster.stop_all()


@pytest.fixture()
def kube_emulator(kube_emulators: EmulatorCluster) -> EmulatorThread:
    """One emulated cluster; its context in `kube_emulators.kubeconfig` is named "cluster"."""
    return kube_emulators("cluster")[0]
