"""The emulated fleet the `apply` and `shards` benchmarks share: a management cluster and tenant clusters, each
an emulator, and a platform repo of one Team, the Clusters, a Vector agent Pipeline on every cluster,
WorkspaceTemplates, and Workspaces spread over the tenants (Butler CRs on the management cluster)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import urllib3

from tests.bench.synthetic import HEADER, KEY
from tests.kube_emulator import EmulatorThread, write_kubeconfig

TEAM_NAMESPACE = "team-bench"


def fleet_documents(clusters: Sequence[str], workspaces: int, templates: int = 0) -> dict[str, str]:
    """The repo: `clusters[0]` the management cluster (named `mgmt`), the others tenants with workspaces
    enabled; the Workspaces spread over the tenants, every other one on a template when there are templates."""
    tenants = clusters[1:]
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
  env:
    - {name: LOKI_ENDPOINT, value: "http://loki.observability:3100"}
  sources:
    pods: {type: kubernetes_logs}
  sinks:
    loki:
      type: loki
      inputs: [pods]
      endpoint: ${LOKI_ENDPOINT}
      encoding: {codec: json}
      labels: {cluster: bench}
""",
    }
    for tenant in tenants:
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
    for i in range(templates):
        files[f"templates/t{i}.yaml"] = (
            HEADER
            + f"kind: WorkspaceTemplate\nmetadata:\n  name: template-{i}\nspec:\n  displayName: Template {i}\n"
            + f"  scope: team\n  team: bench\n  template:\n    image: golang:1.2{i}\n    storageSize: 20Gi\n"
        )
    for i in range(workspaces):
        template = f"  template: template-{i % templates}\n" if templates and i % 2 else ""
        files[f"workspaces/ws-{i:04d}.yaml"] = (
            HEADER
            + f"kind: Workspace\nmetadata:\n  name: ws-{i:04d}\nspec:\n  team: bench\n  owner: dev@acme.dev\n"
            + f"  cluster: {tenants[i % len(tenants)]}\n{template}"
            + f"  repositories:\n    - {{url: https://github.com/acme/service-{i}, branch: main}}\n"
            + f'  resources: {{cpu: "1", memory: 2Gi}}\n  sshPublicKeys: ["{KEY}"]\n'
        )
    return files


def start_fleet(
    clusters: Sequence[str], kubeconfig: Path, namespaces: Sequence[str] = (TEAM_NAMESPACE,)
) -> dict[str, EmulatorThread]:
    """An emulator per cluster, a kubeconfig with a context each (the management cluster's current), and
    `namespaces` on the management cluster (Butler creates team namespaces there; here the bench does)."""
    emulators = {name: EmulatorThread(name).start() for name in clusters}
    write_kubeconfig(kubeconfig, {name: e.url for name, e in emulators.items()}, current=clusters[0])
    for namespace in namespaces:
        body = json.dumps({"metadata": {"name": namespace}}).encode()
        created = urllib3.request("POST", f"{emulators[clusters[0]].url}/api/v1/namespaces", body=body, timeout=10)
        assert created.status == 201, created.data
    for emulator in emulators.values():
        emulator.requests.reset()
    return emulators


def stop_fleet(emulators: dict[str, EmulatorThread]) -> None:
    # Last started, first stopped: each emulator's server unwinds a process-wide resolver hook of kmock.
    for emulator in reversed(emulators.values()):
        emulator.stop()
