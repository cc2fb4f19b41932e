"""The daemon as a process: SIGTERM finishes the step in flight and exits 0; SIGKILL mid-apply, then a restart,
converges with no orphan."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pygit2
import urllib3

from tests.apply.conftest import CLUSTERS, Platform
from tests.apply.test_crash import _ours_live
from tests.conftest import REPO_ROOT
from tests.daemon.conftest import assert_live_matches
from tests.db.conftest import TemplateRepo, edited, without

START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class DaemonProcess:
    def __init__(self, platform: Platform, repo: TemplateRepo, state: Path) -> None:
        self.port = _free_port()
        branch = pygit2.Repository(str(repo.path)).head.shorthand
        command = [sys.executable, "-m", "reconciler", "daemon", "--repo", str(repo.path), "--branch", branch]
        command += ["--kubeconfig", str(platform.kubeconfig), "--state-dir", str(state), "--no-db"]
        command += ["--listen", f"127.0.0.1:{self.port}", "--metrics-listen", f"127.0.0.1:{_free_port()}"]
        command += ["--interval", "1h", "--log-format", "json"]
        self.log = state.parent / f"daemon-{self.port}.log"
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=sink, stderr=sink)

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


def test_sigterm_finishes_the_cycle_in_flight_and_exits_0(
    daemon_platform: Platform, daemon_repo: TemplateRepo, tmp_path: Path
) -> None:
    daemon_platform.reset_counters()
    daemon = DaemonProcess(daemon_platform, daemon_repo, tmp_path / "state")
    assert daemon.signal_after_writes(daemon_platform, 1, signal.SIGTERM)
    assert daemon.process.wait(timeout=START_TIMEOUT) == 0, daemon.log.read_text()
    assert_live_matches(daemon_platform, daemon_repo.files, tmp_path)


def test_sigkill_mid_apply_then_a_restart_converges_without_orphans(
    daemon_platform: Platform, daemon_repo: TemplateRepo, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    first = DaemonProcess(daemon_platform, daemon_repo, state)
    first.wait_ready()
    first.process.send_signal(signal.SIGTERM)
    assert first.process.wait(timeout=START_TIMEOUT) == 0
    files = edited(daemon_repo.files, "workspaces/omar-oncall.yaml", "idleTimeout: 1h", "idleTimeout: 2h")
    daemon_repo.commit(without(files, "pipelines/observability-aggregator.yaml"))
    draw = random.Random(int(os.environ.get("PORTAL_CRASH_SEED", "16")))
    killed = 0
    for _ in range(3):
        daemon_platform.reset_counters()
        victim = DaemonProcess(daemon_platform, daemon_repo, state)
        killed += victim.signal_after_writes(daemon_platform, draw.randint(1, 8), signal.SIGKILL)
        victim.process.kill()
        victim.process.wait(timeout=START_TIMEOUT)
    assert killed >= 1
    last = DaemonProcess(daemon_platform, daemon_repo, state)
    last.wait_ready()
    assert_live_matches(daemon_platform, daemon_repo.files, tmp_path)
    for name in CLUSTERS:
        lines = daemon_platform.inventory(name)
        assert len(lines) == len(set(lines)) == len(_ours_live(daemon_platform, name)), name
    last.process.send_signal(signal.SIGTERM)
    assert last.process.wait(timeout=START_TIMEOUT) == 0
