"""[daemon] `portal daemon` as a platform team runs it.

1. Webhook-to-applied latency of a 100-object change (100 Workspaces edited in one commit) over 20 pushes, p50
   and p95 (target p95 ≤ 2 s): from the signed webhook until `/metrics` shows the commit applied. Peer: the same
   change applied by a fresh `portal reconcile --repo` per push (a CI job on push) — Argo CD would poll every
   3 minutes and Flux every few.
2. An idle cycle (no new commit, no drift) on the 10,000-document repo (target ≤ 1 s of CPU), with the daemon's
   RSS (target ≤ 250 MiB), reconciling 6 of its clusters (one emulator each). Peer: a fresh
   `portal reconcile` with nothing to do on the same repo and clusters.

The daemon keeps no cache of live objects between cycles: an idle cycle fetches (a cheap ref lookup: no tree is
read when the commit did not change), then lists what it owns with one labelled LIST per kind per cluster and
plans against the build it kept in memory, so that it needs no validation nor build.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import pygit2
import urllib3

from tests.bench.apply import CLUSTERS as APPLY_CLUSTERS
from tests.bench.apply import TEMPLATES as APPLY_TEMPLATES
from tests.bench.apply import WORKSPACES as APPLY_WORKSPACES
from tests.bench.fleet import fleet_documents, start_fleet, stop_fleet
from tests.bench.measure import run_process
from tests.bench.synthetic import write_repo
from tests.gitrepo import commit
from tests.ports import free_port

PUSHES = 20
CHANGED_PER_PUSH = 100
IDLE_DOCUMENTS = 10_000
IDLE_CLUSTERS = ("mgmt", "tenant-1", "tenant-2", "tenant-3", "tenant-4", "tenant-5")
IDLE_CYCLES = 5
SECRET = "bench-secret"
TARGETS = {"p95 s": 2.0, "idle CPU s": 1.0, "RSS MiB": 250.0}
PORTAL = Path(sys.executable).parent / "portal"


class Daemon:
    def __init__(
        self,
        repo: Path,
        kubeconfig: Path,
        state: Path,
        interval: str,
        *extra: str,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.port, self.metrics_port = free_port(), free_port()
        branch = pygit2.Repository(str(repo)).head.shorthand
        command = [str(PORTAL), "daemon", "--repo", str(repo), "--branch", branch, "--kubeconfig", str(kubeconfig)]
        command += ["--state-dir", str(state), "--no-db", "--interval", interval, *extra]
        command += ["--listen", f"127.0.0.1:{self.port}", "--metrics-listen", f"127.0.0.1:{self.metrics_port}"]
        environ = {**(environ or {}), "PORTAL_WEBHOOK_SECRET": SECRET}
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environ)

    def metrics(self) -> str:
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        return urllib3.request("GET", url, timeout=10, retries=False).data.decode()

    def wait_for(self, pattern: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the daemon exited with {self.process.returncode}")
            try:
                if re.search(pattern, self.metrics(), re.M):
                    return
            except urllib3.exceptions.HTTPError:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"no {pattern!r} in /metrics within {timeout} s")

    def cycles(self, trigger: str) -> int:
        found = re.search(rf'^portal_cycle_duration_seconds_count{{trigger="{trigger}"}} (\S+)$', self.metrics(), re.M)
        return int(float(found.group(1))) if found else 0

    def push(self) -> None:
        body = b"{}"
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        url = f"http://127.0.0.1:{self.port}/hooks/generic"
        response = urllib3.request("POST", url, body=body, headers={"X-Portal-Signature": signature}, timeout=10)
        assert response.status == 202, response.data

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s

    def rss_mib(self) -> tuple[float, float]:
        """Resident and peak resident MiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        values = {k: int(v.split()[0]) / 1024 for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(.*)$", status, re.M)}
        return values["VmRSS"], values["VmHWM"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=120)


def _changed(files: dict[str, str], push: int) -> dict[str, str]:
    """`files` with 100 Workspaces' CPU request changed (a different hundred each push)."""
    workspaces = sorted(p for p in files if p.startswith("workspaces/"))
    start = (push * CHANGED_PER_PUSH) % len(workspaces)
    chosen = workspaces[start : start + CHANGED_PER_PUSH]
    return {p: t.replace('cpu: "1"', f'cpu: "{2 + push}"') if p in chosen else t for p, t in files.items()}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _latency(root: Path) -> list[str]:
    repo, kubeconfig = root / "repo", root / "kubeconfig.yaml"
    base = fleet_documents(APPLY_CLUSTERS, APPLY_WORKSPACES, APPLY_TEMPLATES)
    commit(repo, base, "start")
    emulators = start_fleet(APPLY_CLUSTERS, kubeconfig)
    try:
        daemon = Daemon(repo, kubeconfig, root / "state", "1h")
        try:
            daemon.wait_for(r'^portal_cycle_duration_seconds_count\{trigger="start"\} 1\.0$')
            latencies = []
            for push in range(PUSHES):
                head = commit(repo, _changed(base, push), f"push {push}")
                started = time.perf_counter()
                daemon.push()
                daemon.wait_for(rf'^portal_commit_applied_info{{commit="{head}"}} 1\.0$')
                latencies.append(time.perf_counter() - started)
        finally:
            daemon.stop()
        peer = []
        for push in range(PUSHES, PUSHES + 5):
            commit(repo, _changed(base, push), f"push {push}")
            command = [str(PORTAL), "reconcile", "--repo", str(repo), "--kubeconfig", str(kubeconfig), "--no-db"]
            measured = run_process([*command, "--prune", "--state-dir", str(root / "peer-state")])
            if measured.returncode != 0:
                raise RuntimeError("portal reconcile failed")
            peer.append(measured.seconds)
    finally:
        stop_fleet(emulators)
    p50, p95 = statistics.median(latencies), _percentile(latencies, 0.95)
    peer_p50 = statistics.median(peer)
    return [
        f"webhook → applied, {CHANGED_PER_PUSH} objects changed per push, {PUSHES} pushes, {len(APPLY_CLUSTERS)} "
        f"clusters: p50 {p50:.2f} s, p95 {p95:.2f} s (target ≤ {TARGETS['p95 s']} s)",
        f"peer, a fresh `portal reconcile --repo` per push: p50 {peer_p50:.2f} s; daemon/peer = {p50 / peer_p50:.2f}",
    ]


def _idle(root: Path) -> list[str]:
    from tests.kube_emulator import EmulatorThread, write_kubeconfig

    repo, kubeconfig = root / "idle-repo", root / "idle-kubeconfig.yaml"
    tree = root / "idle-tree"
    write_repo(tree, IDLE_DOCUMENTS)
    files = {str(p.relative_to(tree)): p.read_text() for p in tree.rglob("*.yaml")}
    commit(repo, files, "10,000 documents")
    emulators = {name: EmulatorThread(name).start() for name in IDLE_CLUSTERS}
    try:
        write_kubeconfig(kubeconfig, {name: e.url for name, e in emulators.items()})
        for name in IDLE_CLUSTERS:  # the team namespaces Butler would have created
            for team in range(IDLE_DOCUMENTS * 5 // 100):
                body = json.dumps({"metadata": {"name": f"team-{team}"}}).encode()
                urllib3.request("POST", f"{emulators[name].url}/api/v1/namespaces", body=body, timeout=10)
        selection = [arg for name in IDLE_CLUSTERS for arg in ("--cluster", name)]
        daemon = Daemon(repo, kubeconfig, root / "idle-state", "2s", *selection)
        try:
            daemon.wait_for(r'^portal_cycle_duration_seconds_count\{trigger="start"\} 1\.0$')
            daemon.wait_for(r'^portal_cycle_duration_seconds_count\{trigger="interval"\} 1\.0$')
            cycles, cpu = daemon.cycles("interval"), daemon.cpu_seconds()
            daemon.wait_for(
                rf'^portal_cycle_duration_seconds_count{{trigger="interval"}} {cycles + IDLE_CYCLES}\.0$', 120
            )
            idle_cpu = (daemon.cpu_seconds() - cpu) / IDLE_CYCLES
            rss, peak = daemon.rss_mib()
        finally:
            daemon.stop()
        objects = sum(e.requests.writes for e in emulators.values())
        command = [str(PORTAL), "reconcile", "--repo", str(repo), "--kubeconfig", str(kubeconfig), "--no-db"]
        peer = run_process([*command, *selection, "--state-dir", str(root / "idle-state")])
    finally:
        for emulator in reversed(emulators.values()):
            emulator.stop()
    ok = idle_cpu <= TARGETS["idle CPU s"] and peak <= TARGETS["RSS MiB"]
    return [
        f"idle cycle, {IDLE_DOCUMENTS} documents, {len(IDLE_CLUSTERS)} clusters ({objects} writes to set them up): "
        f"{idle_cpu:.2f} s CPU (target ≤ {TARGETS['idle CPU s']} s); RSS {rss:.0f} MiB, peak {peak:.0f} MiB "
        f"(target ≤ {TARGETS['RSS MiB']:.0f}) — targets {'met' if ok else 'MISSED'}",
        f"peer, a fresh `portal reconcile` with nothing to do: {peer.cpu_seconds:.2f} s CPU, "
        f"{peer.seconds:.2f} s wall, peak RSS {peer.peak_rss_mib:.0f} MiB; daemon/peer CPU = "
        f"{idle_cpu / peer.cpu_seconds:.2f}",
    ]


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="bench-daemon-") as tmp:
        return [*_latency(Path(tmp)), *_idle(Path(tmp))]


if __name__ == "__main__":
    for line in run():
        print(line)
