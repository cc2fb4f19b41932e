"""`portal daemon` as a process of its own, for tests that signal it (SIGTERM, SIGKILL, SIGSTOP)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pygit2
import urllib3

from tests.apply.conftest import Platform
from tests.conftest import REPO_ROOT
from tests.db.conftest import TemplateRepo

START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class DaemonProcess:
    """`portal daemon` in a process of its own, following `repo`; recording in `database` when given."""

    def __init__(
        self,
        platform: Platform,
        repo: TemplateRepo,
        state: Path,
        *extra: str,
        database: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.port, self.metrics_port = _free_port(), _free_port()
        branch = pygit2.Repository(str(repo.path)).head.shorthand
        command = [sys.executable, "-m", "reconciler", "daemon", "--repo", str(repo.path), "--branch", branch]
        command += ["--kubeconfig", str(platform.kubeconfig), "--state-dir", str(state)]
        command += ["--database-url", database] if database else ["--no-db"]
        command += ["--listen", f"127.0.0.1:{self.port}", "--metrics-listen", f"127.0.0.1:{self.metrics_port}"]
        command += ["--interval", "1h", "--log-format", "json", *extra]
        self.log = state.parent / f"daemon-{self.port}.log"
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, stdout=sink, stderr=sink, env=None if environ is None else dict(environ)
            )

    def ready(self) -> bool:
        try:
            return (
                urllib3.request("GET", f"http://127.0.0.1:{self.port}/readyz", timeout=2, retries=False).status == 200
            )
        except urllib3.exceptions.HTTPError:
            return False

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ready():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.05)

    def signal_after_writes(self, platform: Platform, writes: int, signum: int) -> bool:
        """Send `signum` once `writes` write requests reached the clusters; False if the cycle ended first."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and not self.ready():
            if platform.writes() >= writes:
                self.process.send_signal(signum)
                return True
            time.sleep(0.0005)
        return False
