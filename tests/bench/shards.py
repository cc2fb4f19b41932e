"""Benchmark: with `--shards 2`, two replicas against one, on 6 emulated clusters — the cold apply of a commit.

Until the daemon's cycle is wired to the coordinators, a replica's cycle is measured as what it runs for its
clusters: `portal reconcile --cluster …` of the clusters its shards own (validate, build, apply), the two replicas
as parallel processes. The shards are taken for real: two ShardCoordinators elect over Leases on the management
emulator first. Figures: one replica's wall time, the two replicas' (the slower one), and the ratio.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import kubernetes
import urllib3

from reconciler.daemon.replicas import coordinator_for
from tests.bench.measure import Measurement, run_process
from tests.bench.synthetic import HEADER, KEY
from tests.kube_emulator import EmulatorThread, write_kubeconfig

CLUSTERS = ("mgmt", "tenant-1", "tenant-2", "tenant-3", "tenant-4", "tenant-5")
WORKSPACES = 300
TEAM_NAMESPACE = "team-bench"
LEASE_NAMESPACE = "portal"


def _documents() -> dict[str, str]:
    files = {
        "teams/bench.yaml": HEADER
        + "kind: Team\nmetadata:\n  name: bench\nspec:\n  access:\n    users:\n"
        + "      - {name: admin@acme.dev, role: admin}\n      - {name: dev@acme.dev, role: operator}\n",
        "clusters/mgmt.yaml": HEADER
        + "kind: Cluster\nmetadata:\n  name: mgmt\n  labels: {bench: 'yes'}\n"
        + "spec:\n  role: management\n  connection: {context: mgmt}\n",
        "pipelines/logs.yaml": HEADER
        + """kind: Pipeline
metadata:
  name: logs
spec:
  team: bench
  targets:
    - clusters: {matchLabels: {bench: "yes"}}
      role: agent
  sources:
    pods: {type: kubernetes_logs}
  sinks:
    loki:
      type: loki
      inputs: [pods]
      endpoint: http://loki.observability:3100
      encoding: {codec: json}
      labels: {cluster: bench}
""",
    }
    for tenant in CLUSTERS[1:]:
        files[f"clusters/{tenant}.yaml"] = (
            HEADER
            + f"""kind: Cluster
metadata:
  name: {tenant}
  labels: {{bench: "yes"}}
spec:
  role: tenant
  team: bench
  connection: {{context: {tenant}}}
  tenantClusterRef: {{namespace: {TEAM_NAMESPACE}, name: {tenant}}}
  workspaces:
    enabled: true
    maxWorkspaces: 1000
    resourceQuota: {{maxCPU: "2000", maxMemory: 4000Gi, maxStorage: 50000Gi}}
"""
        )
    for i in range(WORKSPACES):
        files[f"workspaces/ws-{i:04d}.yaml"] = (
            HEADER
            + f"kind: Workspace\nmetadata:\n  name: ws-{i:04d}\nspec:\n  team: bench\n  owner: dev@acme.dev\n"
            + f"  cluster: {CLUSTERS[1 + i % 5]}\n"
            + f"  repositories:\n    - {{url: https://github.com/acme/service-{i}, branch: main}}\n"
            + f'  resources: {{cpu: "1", memory: 2Gi}}\n  sshPublicKeys: ["{KEY}"]\n'
        )
    return files


def _write_repo(root: Path) -> Path:
    for relative, text in _documents().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _start(kubeconfig: Path) -> dict[str, EmulatorThread]:
    emulators = {name: EmulatorThread(name).start() for name in CLUSTERS}
    write_kubeconfig(kubeconfig, {name: e.url for name, e in emulators.items()})
    for namespace in (TEAM_NAMESPACE, LEASE_NAMESPACE):
        body = json.dumps({"metadata": {"name": namespace}}).encode()
        created = urllib3.request("POST", f"{emulators['mgmt'].url}/api/v1/namespaces", body=body, timeout=10)
        assert created.status == 201, created.data
    return emulators


def _stop(emulators: dict[str, EmulatorThread]) -> None:
    for emulator in reversed(emulators.values()):  # last started, first stopped (kmock's resolver hook)
        emulator.stop()


def _reconcile(repo: Path, kubeconfig: Path, state: Path, clusters: list[str]) -> Measurement:
    portal = Path(sys.executable).parent / "portal"
    command = [str(portal), "reconcile", str(repo), "--kubeconfig", str(kubeconfig), "--no-db", "--state-dir"]
    measured = run_process([*command, str(state), *(f"--cluster={c}" for c in clusters)])
    if measured.returncode != 0:
        raise RuntimeError(f"reconcile of {clusters} failed ({measured.returncode}): {measured.stdout[-2000:]}")
    return measured


def _elect_shards(kubeconfig: Path) -> list[list[str]]:
    """Two replicas take the two shards over Leases on the management emulator; the clusters each owns."""
    client = kubernetes.config.new_client_from_config(config_file=str(kubeconfig), context="mgmt")  # type: ignore[no-untyped-call]
    replicas = [coordinator_for(client, LEASE_NAMESPACE, f"replica-{i}", 2) for i in range(2)]
    for _ in range(3):
        for replica in replicas:
            replica.step()
    owned = [sorted(r.owned_clusters(CLUSTERS)) for r in replicas]
    for replica in replicas:
        replica.stop()
    if sorted(c for clusters in owned for c in clusters) != sorted(CLUSTERS):
        raise RuntimeError(f"the shards do not cover every cluster once: {owned}")
    return owned


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        root = Path(tmp)
        repo = _write_repo(root / "repo")
        # Warm the parse cache once, so both runs measure the same work.
        warm = _start(root / "warm.yaml")
        try:
            _reconcile(repo, root / "warm.yaml", root / "state", list(CLUSTERS))
        finally:
            _stop(warm)

        single = _start(root / "one.yaml")
        try:
            one = _reconcile(repo, root / "one.yaml", root / "state", list(CLUSTERS))
        finally:
            _stop(single)

        sharded = _start(root / "two.yaml")
        try:
            owned = _elect_shards(root / "two.yaml")
            started = time.perf_counter()
            with ThreadPoolExecutor(2) as pool:
                states = [root / "state", root / "state-2"]
                runs = list(pool.map(lambda i: _reconcile(repo, root / "two.yaml", states[i], owned[i]), range(2)))
            both = time.perf_counter() - started
        finally:
            _stop(sharded)
    split = " and ".join(f"{len(o)} ({', '.join(o)})" for o in owned)
    return [
        f"{len(CLUSTERS)} clusters, {WORKSPACES} workspaces; the shards split the clusters {split}",
        f"one replica:  {one.seconds:.2f} s wall, CPU {one.cpu_seconds:.2f} s",
        f"two replicas: {both:.2f} s wall (each {', '.join(f'{r.seconds:.2f} s' for r in runs)}; "
        f"CPU {', '.join(f'{r.cpu_seconds:.2f} s' for r in runs)})",
        f"ratio two/one: {both / one.seconds:.2f} (on a machine with {len(os.sched_getaffinity(0))} "
        "cores shared by both replicas and the emulators)",
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
