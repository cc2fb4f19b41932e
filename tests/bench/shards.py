"""Benchmark: with `--shards 2`, two `portal daemon` replicas against one, on 6 emulated clusters.

Each run starts on fresh emulators with the Team and Clusters alone; once the replicas have split the shards (over
Leases on the management emulator) and settled, a commit adds 300 Workspaces on the five tenant clusters and a
Pipeline on all six, and a signed webhook reaches every replica. Figures: the wall time from the push until every
replica has finished its cycle, and each replica's cycle time (`portal_cycle_duration_seconds`), for one replica
(`portal daemon` alone) and for two (`--shards 2`), and the ratio.

Each replica validates and builds the whole commit (a standby must be ready to take any shard over), and only the
apply is split; the Workspaces are Butler CRs on the management cluster, so the replica holding its shard has
most of the apply whatever the split: the figures show how the cycle time divides.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path

import urllib3

from reconciler.daemon.sharding import shard_of
from tests.bench.daemon import Daemon
from tests.bench.fleet import TEAM_NAMESPACE, fleet_documents, start_fleet, stop_fleet
from tests.gitrepo import commit
from tests.kube_emulator import EmulatorThread

CLUSTERS = ("mgmt", "tenant-1", "tenant-2", "tenant-3", "tenant-4", "tenant-5")
WORKSPACES = 300
LEASE_NAMESPACE = "portal"
LEASES = f"/apis/coordination.k8s.io/v1/namespaces/{LEASE_NAMESPACE}/leases"
# Shorter than client-go's defaults, so that the replicas split the shards in seconds.
ELECTION = ("--leader-elect-lease-duration=6s", "--leader-elect-renew-deadline=4s", "--leader-elect-retry-period=1s")


def _object_writes(emulators: dict[str, EmulatorThread]) -> int:
    """Writes to the clusters, but for the Leases of the election."""
    return sum(
        1
        for emulator in emulators.values()
        for entry in emulator.requests.entries
        if entry.method != "GET" and "/leases" not in entry.path
    )


def _settle(emulators: dict[str, EmulatorThread], quiet: float = 3.0, timeout: float = 300.0) -> None:
    """Until no object was written for `quiet` seconds: the replicas took their shards and applied them."""
    deadline, last, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        writes = _object_writes(emulators)
        if writes != last:
            last, since = writes, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.1)
    raise RuntimeError("the replicas never settled")


def _cycle_seconds(daemon: Daemon, trigger: str) -> float:
    found = re.search(rf'^portal_cycle_duration_seconds_sum{{trigger="{trigger}"}} (\S+)$', daemon.metrics(), re.M)
    return float(found.group(1)) if found else 0.0


def _run(root: Path, replicas: int) -> tuple[float, list[float], list[str]]:
    """Wall seconds from the push until every replica's cycle ended, each replica's cycle, and who holds what."""
    repo, kubeconfig = root / f"repo-{replicas}", root / f"kubeconfig-{replicas}.yaml"
    files = fleet_documents(CLUSTERS, WORKSPACES)
    commit(repo, {p: t for p, t in files.items() if p.startswith(("teams/", "clusters/"))}, "the clusters")
    emulators = start_fleet(CLUSTERS, kubeconfig, (TEAM_NAMESPACE, LEASE_NAMESPACE))
    try:
        options = [*ELECTION, "--shards=2"] if replicas > 1 else []
        environ = {"POD_NAMESPACE": LEASE_NAMESPACE, "PATH": os.environ.get("PATH", "")}
        daemons = [
            Daemon(
                repo,
                kubeconfig,
                root / f"state-{replicas}-{i}",
                "1h",
                f"--identity=replica-{i}",
                *options,
                environ=environ,
            )
            for i in range(replicas)
        ]
        try:
            for daemon in daemons:
                daemon.wait_for(r'^portal_cycle_duration_seconds_count\{trigger="start"\} 1\.0$')
            holders = _holders(emulators) if replicas > 1 else []
            _settle(emulators)
            commit(repo, files, "300 workspaces and a pipeline")
            started = time.perf_counter()
            for daemon in daemons:
                daemon.push()
            for daemon in daemons:
                daemon.wait_for(r'^portal_cycle_duration_seconds_count\{trigger="webhook"\} 1\.0$')
            wall = time.perf_counter() - started
            cycles = [_cycle_seconds(daemon, "webhook") for daemon in daemons]
        finally:
            for daemon in daemons:
                daemon.stop()
    finally:
        stop_fleet(emulators)
    return wall, cycles, holders


def _holders(emulators: dict[str, EmulatorThread], timeout: float = 120.0) -> list[str]:
    """The holders of the two shard Leases, once two different replicas hold them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holders = []
        for shard in range(2):
            url = f"{emulators['mgmt'].url}{LEASES}/portal-default-shard-{shard}"
            answer = urllib3.request("GET", url, timeout=10)
            spec = json.loads(answer.data).get("spec", {}) if answer.status == 200 else {}
            holders.append(spec.get("holderIdentity") or "")
        if all(holders) and len(set(holders)) == 2:
            return holders
        time.sleep(0.1)
    raise RuntimeError("the two replicas never split the shards")


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        one_wall, (one_cycle,), _ = _run(Path(tmp), 1)
        two_wall, two_cycles, holders = _run(Path(tmp), 2)
    owned = {h: [c for c in CLUSTERS if holders[shard_of(c, 2)] == h] for h in sorted(set(holders))}
    split = "; ".join(f"{h}: {', '.join(clusters)}" for h, clusters in owned.items())
    return [
        f"{len(CLUSTERS)} clusters, {WORKSPACES} workspaces added and a pipeline on every cluster; shards: {split}",
        f"one replica:  {one_wall:.2f} s from the push to applied (cycle {one_cycle:.2f} s)",
        f"two replicas, --shards 2: {two_wall:.2f} s (cycles {', '.join(f'{c:.2f} s' for c in two_cycles)})",
        f"ratio two/one: {two_wall / one_wall:.2f} (on a machine with {len(os.sched_getaffinity(0))} "
        "cores shared by both replicas and the emulators)",
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
