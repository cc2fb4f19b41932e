"""Benchmark: `portal reconcile` of 1,000 objects over 3 emulated clusters, cold and then with nothing to do.

Targets: ≤ 1.05 write requests per object cold, 0 on the no-op run, no-op ≤ 1.5 s wall; the reconcile's CPU
time per object and peak RSS (≤ 200 MiB) are those of the `portal` process alone. Peer, for scale:
`kubectl apply --server-side` of the same objects (the compiled manifests) against fresh emulators.

Most objects are Workspace CRs on the management cluster (that is where Chambers puts them); every cluster also
runs a Vector agent pipeline.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.bench.fleet import fleet_documents, start_fleet, stop_fleet
from tests.bench.measure import Measurement, run_process

CLUSTERS = ("mgmt", "tenant-1", "tenant-2")
TEMPLATES = 4
PIPELINE_OBJECTS_PER_CLUSTER = 6  # Namespace, ServiceAccount, ClusterRole, ClusterRoleBinding, ConfigMap, DaemonSet
WORKSPACES = 1_000 - TEMPLATES - PIPELINE_OBJECTS_PER_CLUSTER * len(CLUSTERS)
TARGETS = {"writes per object cold": 1.05, "no-op wall s": 1.5, "peak RSS MiB": 200.0}


def _write_repo(root: Path) -> Path:
    for relative, text in fleet_documents(CLUSTERS, WORKSPACES, TEMPLATES).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _reconcile(repo: Path, kubeconfig: Path, state: Path) -> Measurement:
    portal = Path(sys.executable).parent / "portal"
    command = [str(portal), "reconcile", str(repo), "--kubeconfig", str(kubeconfig), "--no-db"]
    return run_process([*command, "--state-dir", str(state), "--format", "json"])


def _objects_in(export: Path) -> dict[str, Path]:
    return {c: export / "clusters" / c / "manifests.yaml" for c in CLUSTERS}


def _kubectl_peer(kubeconfig: Path, manifests: dict[str, Path]) -> float:
    """Seconds for `kubectl apply --server-side` of every cluster's manifests, the clusters in parallel."""

    def apply(cluster: str) -> str:
        # The emulator serves no OpenAPI document, so kubectl cannot validate client-side.
        command = [
            "kubectl",
            "--kubeconfig",
            str(kubeconfig),
            "--context",
            cluster,
            "apply",
            "--server-side",
            "--validate=false",
        ]
        result = subprocess.run([*command, "-f", str(manifests[cluster])], capture_output=True, text=True)
        return result.stderr.strip()[-500:] if result.returncode else ""

    started = time.perf_counter()
    with ThreadPoolExecutor(len(CLUSTERS)) as pool:
        codes = list(pool.map(apply, CLUSTERS))
    elapsed = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"kubectl apply failed: {[c for c in codes if c]}")
    return elapsed


def run() -> list[str]:
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-apply-") as tmp:
        root = Path(tmp)
        repo = _write_repo(root / "repo")
        emulators = start_fleet(CLUSTERS, root / "kubeconfig.yaml")
        try:
            cold = _reconcile(repo, root / "kubeconfig.yaml", root / "state")
            if cold.returncode != 0:
                raise RuntimeError(f"cold reconcile failed ({cold.returncode}): {cold.stdout[-2000:]}")
            cold_writes = sum(e.requests.writes for e in emulators.values())
            report = json.loads(cold.stdout)
            objects = sum(
                sum(r["result"] == "created" for r in cluster.get("results", [])) for cluster in report["clusters"]
            )
            for emulator in emulators.values():
                emulator.requests.reset()
            noop = _reconcile(repo, root / "kubeconfig.yaml", root / "state")
            noop_writes = sum(e.requests.writes for e in emulators.values())
        finally:
            stop_fleet(emulators)
        desired = 1_000
        lines.append(f"objects desired: {desired} over {len(CLUSTERS)} clusters; created: {objects}")
        per_object = cold_writes / desired
        lines.append(
            f"cold:  {cold.seconds:.2f} s wall, {cold_writes} write requests = {per_object:.3f} per object "
            f"(target ≤ {TARGETS['writes per object cold']}), CPU {cold.cpu_seconds * 1000 / desired:.2f} ms/object, "
            f"peak RSS {cold.peak_rss_mib:.0f} MiB (target ≤ {TARGETS['peak RSS MiB']:.0f})"
        )
        lines.append(
            f"no-op: {noop.seconds:.2f} s wall (target ≤ {TARGETS['no-op wall s']}), {noop_writes} write requests "
            f"(target 0), CPU {noop.cpu_seconds * 1000 / desired:.2f} ms/object, peak RSS {noop.peak_rss_mib:.0f} MiB"
        )
        export = root / "export"
        portal = str(Path(sys.executable).parent / "portal")
        compiled = run_process([portal, "compile", str(repo), "--out", str(export), "--state-dir", str(root / "state")])
        if compiled.returncode != 0:
            raise RuntimeError("portal compile failed")
        peer_emulators = start_fleet(CLUSTERS, root / "peer-kubeconfig.yaml")
        try:
            peer_seconds = _kubectl_peer(root / "peer-kubeconfig.yaml", _objects_in(export))
            peer_writes = sum(e.requests.writes for e in peer_emulators.values())
        finally:
            stop_fleet(peer_emulators)
        ok = (
            per_object <= TARGETS["writes per object cold"]
            and noop_writes == 0
            and noop.seconds <= TARGETS["no-op wall s"]
            and max(cold.peak_rss_mib, noop.peak_rss_mib) <= TARGETS["peak RSS MiB"]
        )
        lines.append(f"targets {'met' if ok else 'MISSED'}; kubectl made {peer_writes} write requests cold")
        lines.append(
            f"objects/s cold: portal {desired / cold.seconds:.0f}, kubectl apply --server-side "
            f"{desired / peer_seconds:.0f} (peer, {peer_seconds:.2f} s)"
        )
    return lines


if __name__ == "__main__":
    for line in run():
        print(line)
