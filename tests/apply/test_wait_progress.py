"""`reconcile --wait` says, as it goes, what is still not ready: one line per change in a log, a status line
rewritten in place on a terminal; never on stdout."""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import pty
import struct
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

import pytest

from reconciler.cli import main
from reconciler.kube.health import ObjectHealth, WaitStatus
from reconciler.kube.objects import ObjectKey
from reconciler.kube.report import wait_changes, wait_summary
from tests.apply.conftest import WORKSPACES, Platform

NAMES = ("alice-ledger", "bob-payments-api", "dana-notebooks", "omar-oncall", "priya-platform-tools")


def _ready(platform: Platform, name: str) -> None:
    status = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True", "reason": "Up", "message": ""}]}
    code, body = platform.request(
        "mgmt", "PATCH", f"{WORKSPACES}/{name}/status", {"status": status}, "application/merge-patch+json"
    )
    assert code == 200, body


@dataclass
class Background:
    """`portal` running in a thread, its stderr readable while it runs."""

    err: Callable[[], str]
    thread: threading.Thread
    result: dict[str, object] = field(default_factory=dict)

    def until(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.err():
            assert time.monotonic() < deadline, f"{text!r} never came: {self.err()!r}"
            time.sleep(0.05)

    def finish(self) -> tuple[int, str]:
        self.thread.join(60)
        assert not self.thread.is_alive()
        return int(self.result["code"]), str(self.result["out"])  # type: ignore[call-overload]


@contextlib.contextmanager
def in_background(stderr: TextIO, err: Callable[[], str], *args: str) -> Iterator[Background]:
    out = io.StringIO()
    job = Background(err, threading.Thread(target=lambda: None))

    def run() -> None:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(stderr):
            job.result["code"] = main(list(args))
        job.result["out"] = out.getvalue()

    job.thread = threading.Thread(target=run)
    job.thread.start()
    try:
        yield job
    finally:
        job.thread.join(60)


@pytest.fixture()
def created(platform: Platform) -> Platform:
    """The starter repo without pipelines, applied: five Workspaces, none ready."""
    platform.remove("pipelines")
    assert platform.reconcile().code == 0
    return platform


def _args(platform: Platform, *extra: str) -> list[str]:
    return ["reconcile", str(platform.repo), "--kubeconfig", str(platform.kubeconfig), "--no-db", *extra]


def test_without_a_terminal_each_change_is_one_line_on_stderr(created: Platform) -> None:
    err = io.StringIO()
    with in_background(err, err.getvalue, *_args(created, "--wait", "--timeout", "60", "--format", "json")) as job:
        job.until("mgmt: waiting up to 60s for 5 of 5 object(s) to become ready")
        _ready(created, "alice-ledger")
        job.until("mgmt: ready Workspace/team-platform/alice-ledger after")
        for name in NAMES[1:]:
            _ready(created, name)
        code, out = job.finish()
    assert code == 0, err.getvalue()
    assert json.loads(out)["failed"] is False  # stdout is the JSON report alone
    lines = err.getvalue().splitlines()
    assert lines[:6] == [
        "mgmt: waiting up to 60s for 5 of 5 object(s) to become ready",
        *(f"mgmt: not ready Workspace/team-platform/{name} (phase Pending)" for name in NAMES),
    ]
    # One line per change: each object is named once waiting and once ready; then the last word.
    for name in NAMES:
        assert sum(f"Workspace/team-platform/{name}" in line for line in lines) == 2, lines
    assert lines[6].startswith("mgmt: ready Workspace/team-platform/alice-ledger after ")
    assert lines[-1].startswith("mgmt: all 5 ready after ")
    assert "reading live objects" not in err.getvalue() and "\r" not in err.getvalue()


def test_on_a_terminal_a_status_line_is_rewritten_in_place(created: Platform) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))  # 40 rows of 100 columns
    received = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal's other end is closed
                return
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        with os.fdopen(slave, "w", encoding="utf-8") as terminal:
            text = lambda: received.decode("utf-8", "replace")  # noqa: E731
            with in_background(terminal, text, *_args(created, "--wait", "--timeout", "60")) as job:
                job.until("mgmt: waiting 1s of 60s, 5 of 5 not ready: Workspace/team-platform/alice-ledger (phase")
                _ready(created, "alice-ledger")
                job.until("4 of 5 not ready")
                for name in NAMES[1:]:
                    _ready(created, name)
                code, out = job.finish()
    finally:
        reader.join(10)
        os.close(master)
    shown = received.decode()
    assert code == 0, shown
    assert "mgmt: reading live objects" in shown  # steps are printed on a terminal
    rewrites = shown.split("\r\x1b[K")
    assert len(rewrites) >= 4, shown
    # Each status line is rewritten, not followed by a new line: the terminal shows one line per wait.
    statuses = [r for r in rewrites if r.startswith("mgmt: waiting ")]
    assert statuses and all("\n" not in r and len(r) <= 99 for r in statuses), statuses
    assert any(r.endswith("…") for r in statuses)  # cut to the terminal's width
    assert "mgmt: all 5 ready after " in shown and "waiting" not in out


def _health(name: str, state: str = "progressing", message: str = "phase Pending") -> ObjectHealth:
    return ObjectHealth(ObjectKey("apps/v1", "Deployment", "web", name), state, message)  # type: ignore[arg-type]


def test_wait_lines_say_what_changed_and_how_it_ended() -> None:
    start = WaitStatus(0, 300, (_health("a"), _health("b"), _health("c", "ready", "")))
    assert wait_changes("dev", None, start) == [
        "dev: waiting up to 300s for 2 of 3 object(s) to become ready",
        "dev: not ready Deployment/web/a (phase Pending)",
        "dev: not ready Deployment/web/b (phase Pending)",
    ]
    same = WaitStatus(3, 300, start.health)
    assert wait_changes("dev", start, same) == []
    moved = WaitStatus(4, 300, (_health("a", message="1/2 updated"), _health("b", "ready", ""), start.health[2]))
    assert wait_changes("dev", same, moved) == [
        "dev: not ready Deployment/web/a (1/2 updated) after 4s",
        "dev: ready Deployment/web/b after 4s",
    ]
    ended = WaitStatus(300, 300, (_health("a", message="1/2 updated"), *moved.health[1:]), done=True)
    assert wait_changes("dev", moved, ended) == [
        "dev: 1 of 3 not ready after 300s (timed out): Deployment/web/a (1/2 updated)"
    ]
    failed = WaitStatus(9, 300, (_health("a", "failed", "progress deadline exceeded"), *moved.health[1:]), done=True)
    assert (
        wait_changes("dev", moved, failed)[0] == "dev: unhealthy Deployment/web/a: progress deadline exceeded after 9s"
    )
    assert wait_summary("dev", failed).endswith("(1 unhealthy): Deployment/web/a (progress deadline exceeded)")
    many = WaitStatus(12, 300, tuple(_health(f"w{i}") for i in range(5)))
    assert wait_summary("dev", many) == (
        "dev: waiting 12s of 300s, 5 of 5 not ready: Deployment/web/w0 (phase Pending), "
        "Deployment/web/w1 (phase Pending), Deployment/web/w2 (phase Pending) and 2 more"
    )
