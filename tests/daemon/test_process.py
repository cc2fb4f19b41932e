"""The daemon as a process: SIGTERM finishes the step in flight and exits 0; SIGKILL mid-apply, then a restart,
converges with no orphan."""

from __future__ import annotations

import os
import random
import signal
from pathlib import Path

from tests.apply.conftest import CLUSTERS, Platform
from tests.apply.test_crash import _ours_live
from tests.daemon.conftest import assert_live_matches
from tests.daemon.process import START_TIMEOUT, DaemonProcess
from tests.db.conftest import TemplateRepo, edited, without


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
