"""`portal daemon` as a process of its own, for tests that signal it (SIGTERM, SIGKILL, SIGSTOP)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pygit2
import urllib3

from tests.apply.conftest import Platform
from tests.conftest import REPO_ROOT
from tests.db.conftest import TemplateRepo
from tests.kube_emulator.faults import WRITE_METHODS
from tests.ports import free_port

START_TIMEOUT = 60.0


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
        self.port, self.metrics_port = free_port(), free_port()
        self.branch = branch = pygit2.Repository(str(repo.path)).head.shorthand
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
            if object_writes(platform) >= writes:
                self.process.send_signal(signum)
                return True
            time.sleep(0.0005)
        return False

    def metrics(self) -> str:
        return urllib3.request("GET", f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10).data.decode()

    def objects_by_cluster(self) -> dict[str, float]:
        """`portal_objects_total` summed over its results, per cluster: what this process wrote where."""
        totals: dict[str, float] = {}
        for line in self.metrics().splitlines():
            match = re.fullmatch(r'portal_objects_total\{cluster="([^"]+)",result="[^"]+"\} (\S+)', line)
            if match:
                totals[match[1]] = totals.get(match[1], 0.0) + float(match[2])
        return totals

    def cycles(self, trigger: str) -> float:
        wanted = f'portal_cycle_duration_seconds_count{{trigger="{trigger}"}} '
        return sum(float(line.rsplit(" ", 1)[1]) for line in self.metrics().splitlines() if line.startswith(wanted))

    def push(self, secret: str) -> None:
        """A signed generic webhook: fetch now."""
        body = json.dumps({"ref": f"refs/heads/{self.branch}"}).encode()
        signed = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        url = f"http://127.0.0.1:{self.port}/hooks/generic"
        answer = urllib3.request("POST", url, body=body, headers={"X-Portal-Signature": signed}, timeout=10)
        assert answer.status == 202, answer.data

    def events(self, message: str) -> list[dict[str, Any]]:
        """The JSON log lines whose message starts with `message`."""
        lines = [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]
        return [line for line in lines if str(line.get("message", "")).startswith(message)]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=START_TIMEOUT)


def object_writes(platform: Platform) -> int:
    """Write requests the clusters received, but for those to Leases (the replicas' election)."""
    return sum(
        1
        for name in platform.cluster.emulators
        for entry in platform.cluster[name].requests.entries
        if entry.method in WRITE_METHODS and "/leases" not in entry.path
    )
