"""SIGKILL a reconcile at random points, change the repo, rerun: it converges, with no orphans and no duplicates.

The kill points are write requests: the process dies right after the N-th write reached a cluster, N drawn
at random (seeded), so it dies between inventory write and applies, in the middle of the applies, and in the
middle of a prune.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from reconciler.build import build
from reconciler.load.sources import working_tree
from reconciler.validate import validate_source
from tests.apply.conftest import CLUSTERS, Platform
from tests.conftest import REPO_ROOT

# Every collection our objects can be in, to look for orphans.
COLLECTIONS = (
    "/api/v1/namespaces",
    "/api/v1/configmaps",
    "/api/v1/serviceaccounts",
    "/api/v1/services",
    "/apis/apps/v1/daemonsets",
    "/apis/apps/v1/statefulsets",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    "/apis/butler.butlerlabs.dev/v1alpha1/workspaces",
    "/apis/butler.butlerlabs.dev/v1alpha1/workspacetemplates",
)


def _portal(platform: Platform, *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "reconciler", "reconcile", str(platform.repo)]
    command += ["--kubeconfig", str(platform.kubeconfig), "--no-db", *args]
    return subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _kill_after_writes(platform: Platform, writes: int, *args: str) -> bool:
    """Run a reconcile and SIGKILL it once `writes` more write requests arrived; False if it finished first."""
    platform.reset_counters()
    process = _portal(platform, *args)
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if platform.writes() >= writes:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.0005)
    process.wait()
    return False


def _expected(repo: Path) -> dict[str, set[str]]:
    validation = validate_source(working_tree(repo))
    assert not validation.errors
    per_cluster = build(validation).manifests
    return {
        name: {
            f"{o['kind']}/{o['metadata'].get('namespace', '')}/{o['metadata']['name']}"
            for o in per_cluster.get(name, [])
        }
        for name in CLUSTERS
    }


def _ours_live(platform: Platform, name: str) -> set[str]:
    found: set[str] = set()
    for collection in COLLECTIONS:
        _, body = platform.request(name, "GET", f"{collection}?labelSelector=portal.butlerlabs.dev/instance%3Ddefault")
        for item in body["items"]:
            meta = item["metadata"]
            if meta.get("namespace") == "portal-system" and meta["name"].startswith("portal-inventory-default"):
                continue
            found.add(f"{item.get('kind') or _kind(collection)}/{meta.get('namespace', '')}/{meta['name']}")
    return found


def _kind(collection: str) -> str:
    plural = collection.rsplit("/", 1)[1]
    return {
        "namespaces": "Namespace",
        "configmaps": "ConfigMap",
        "serviceaccounts": "ServiceAccount",
        "services": "Service",
        "daemonsets": "DaemonSet",
        "statefulsets": "StatefulSet",
        "clusterroles": "ClusterRole",
        "clusterrolebindings": "ClusterRoleBinding",
        "workspaces": "Workspace",
        "workspacetemplates": "WorkspaceTemplate",
    }[plural]


def test_killed_reconciles_converge_without_orphans_or_duplicates(platform: Platform) -> None:
    draw = random.Random(int(os.environ.get("PORTAL_CRASH_SEED", "6")))
    killed = 0
    for _ in range(3):
        killed += _kill_after_writes(platform, draw.randint(1, 25))
    # The repo changes under the crashes: a pipeline goes, a workspace changes, one more arrives.
    platform.remove("pipelines/observability-aggregator.yaml")
    platform.edit("workspaces/omar-oncall.yaml", "idleTimeout: 1h", "idleTimeout: 2h")
    platform.edit("workspaces/priya-platform-tools.yaml", "name: priya-platform-tools", "name: priya-tools")
    for _ in range(3):
        killed += _kill_after_writes(platform, draw.randint(1, 8), "--prune")
    assert killed >= 2  # runs really died half-way (a later one may finish: less was left to do)

    final = subprocess.run(
        [
            sys.executable,
            "-m",
            "reconciler",
            "reconcile",
            str(platform.repo),
            "--kubeconfig",
            str(platform.kubeconfig),
            "--no-db",
            "--prune",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert final.returncode == 0, final.stdout + final.stderr
    expected = _expected(platform.repo)
    for name in CLUSTERS:
        live = _ours_live(platform, name)
        assert live == expected[name], name
        lines = platform.inventory(name)
        assert len(lines) == len(set(lines)) == len(expected[name])
    platform.reset_counters()
    assert platform.reconcile("--prune").code == 0
    assert platform.writes() == 0
