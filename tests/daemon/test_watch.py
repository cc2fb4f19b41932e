"""`--watch PATH`: a working tree reconciled on each change; nothing pruned unless asked."""

from __future__ import annotations

import time

from reconciler.daemon.service import Daemon
from tests.apply.conftest import WORKSPACES
from tests.daemon.conftest import RunningDaemon

WAIT = 30.0


def _wait_for(daemon: Daemon, what, log) -> None:
    deadline = time.monotonic() + WAIT
    while not what():
        assert time.monotonic() < deadline, log.getvalue()
        time.sleep(0.1)


def test_a_saved_file_is_applied_and_a_removed_one_not_pruned(run_daemon, daemon_platform) -> None:
    tree = daemon_platform.repo  # the starter repo as a working tree
    running: RunningDaemon = run_daemon(watch=tree, prune=False)
    running.wait_cycles(1)
    path = f"{WORKSPACES}/alice-ledger"
    daemon_platform.edit("workspaces/alice-ledger.yaml", "alice@laptop", "alice@desktop")

    def edited() -> bool:
        workspace = daemon_platform.get("mgmt", path)
        return workspace is not None and "alice@desktop" in str(workspace["spec"])

    _wait_for(running.daemon, edited, running.log)
    cycles = running.daemon.cycles
    daemon_platform.remove("workspaces/omar-oncall.yaml")
    _wait_for(running.daemon, lambda: running.daemon.cycles > cycles, running.log)
    assert daemon_platform.get("mgmt", f"{WORKSPACES}/omar-oncall") is not None
    assert running.metric("portal_objects_total", cluster="mgmt", result="pruned") == 0
    running.stop()


def test_with_prune_a_removed_file_is_pruned(run_daemon, daemon_platform) -> None:
    running: RunningDaemon = run_daemon(watch=daemon_platform.repo, prune=True)
    running.wait_cycles(1)
    daemon_platform.remove("workspaces/omar-oncall.yaml")
    _wait_for(running.daemon, lambda: daemon_platform.get("mgmt", f"{WORKSPACES}/omar-oncall") is None, running.log)
    running.stop()
