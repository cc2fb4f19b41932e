"""A synthetic platform repo of any size, valid throughout, one document per file."""

from __future__ import annotations

from pathlib import Path

from tests.foundation.repos import HEADER

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1dGVyYWxseS1ub3QtYS1yZWFsLWtleS1hdC1hbGwx dev@laptop"

# Shares of each kind in the repo, per 100 documents.
MIX = {"Team": 5, "Cluster": 5, "WorkspaceTemplate": 5, "Workspace": 30, "Artifact": 25, "Policy": 5, "Pipeline": 25}


def team(i: int) -> str:
    return (
        HEADER
        + f"""kind: Team
metadata:
  name: team-{i}
spec:
  displayName: Team {i}
  description: Synthetic team number {i}
  access:
    users:
      - {{name: admin{i}@acme.dev, role: admin}}
      - {{name: operator{i}@acme.dev, role: operator}}
      - {{name: viewer{i}@acme.dev, role: viewer}}
    groups:
      - {{name: team-{i}-oncall, role: viewer}}
"""
    )


def cluster(i: int, teams: int) -> str:
    if i == 0:
        return (
            HEADER
            + "kind: Cluster\nmetadata:\n  name: mgmt\nspec:\n  role: management\n  connection: {context: mgmt}\n"
        )
    return (
        HEADER
        + f"""kind: Cluster
metadata:
  name: tenant-{i}
  labels: {{env: {"prd" if i % 2 else "dev"}, shard: "{i % 10}"}}
spec:
  role: tenant
  team: team-{i % teams}
  connection: {{context: tenant-{i}}}
  tenantClusterRef: {{namespace: team-{i % teams}, name: tenant-{i}}}
  drift: correct
  workspaces:
    enabled: true
    maxWorkspaces: 50
    resourceQuota: {{maxCPU: "400", maxMemory: 800Gi, maxStorage: 5000Gi}}
"""
    )


def workspace_template(i: int, teams: int) -> str:
    return (
        HEADER
        + f"""kind: WorkspaceTemplate
metadata:
  name: template-{i}
spec:
  displayName: Template {i}
  category: backend
  scope: team
  team: team-{i % teams}
  template:
    image: golang:1.23
    resources: {{cpu: "2", memory: 4Gi}}
    storageSize: 20Gi
"""
    )


def workspace(i: int, teams: int, clusters: int, templates: int) -> str:
    t = i % teams
    template = f"  template: template-{t}\n" if t < templates else ""
    return (
        HEADER
        + f"""kind: Workspace
metadata:
  name: ws-{i}
spec:
  team: team-{t}
  owner: operator{t}@acme.dev
  cluster: tenant-{1 + i % (clusters - 1)}
{template}  repositories:
    - {{url: https://github.com/acme/service-{i}, branch: main}}
  resources: {{cpu: "1", memory: 2Gi}}
  idleTimeout: 4h
  autoStopAfter: 8h
  sshPublicKeys: ["{KEY}"]
"""
    )


def artifact_version(number: int, t: int) -> str:
    """Version 1.<number>.0 of an artifact of team `t`: every even one approved by the team's admin."""
    month, day = 1 + number // 28 % 12, 1 + number % 28
    entry = f"""    - version: 1.{number}.0
      publishedBy: operator{t}@acme.dev
      publishedAt: 2026-{month:02d}-{day:02d}T10:00:00Z
      changelog: Release {number}.
"""
    if number % 2 == 0:
        entry += f"""      approvals:
        - {{by: admin{t}@acme.dev, at: 2026-{month:02d}-{day:02d}T12:00:00Z, comment: Looks good}}
"""
    return entry


def artifact(i: int, teams: int, versions: int = 2) -> str:
    t = i % teams
    return (
        HEADER
        + f"""kind: Artifact
metadata:
  name: module-{i}
spec:
  type: terraform-module
  namespace: ns-{i % 50}
  provider: aws
  team: team-{t}
  description: Synthetic module {i}
  tags: [synthetic, aws]
  storage:
    git: {{repositoryUrl: https://github.com/acme/terraform-aws-module-{i}, tagPrefix: v}}
  versions:
"""
        + "".join(artifact_version(n, t) for n in reversed(range(versions)))
    )


def policy(i: int, teams: int) -> str:
    return (
        HEADER
        + f"""kind: Policy
metadata:
  name: policy-{i}
spec:
  enforcementLevel: warn
  rules: {{minApprovers: 1, preventSelfApproval: true}}
  bindings:
    - {{scope: team, value: team-{i % teams}}}
"""
    )


def pipeline(i: int, teams: int) -> str:
    return (
        HEADER
        + f"""kind: Pipeline
metadata:
  name: pipeline-{i}
spec:
  team: team-{i % teams}
  description: Synthetic pipeline {i}
  targets:
    - clusters: {{matchLabels: {{shard: "{i % 10}"}}}}
      role: agent
  env:
    - {{name: LOKI_ENDPOINT, value: "http://loki.observability:3100"}}
  sources:
    logs_{i}:
      type: kubernetes_logs
  transforms:
    parse_{i}:
      type: remap
      inputs: [logs_{i}]
      source: |
        .pipeline = "pipeline-{i}"
  sinks:
    loki_{i}:
      type: loki
      inputs: [parse_{i}]
      endpoint: ${{LOKI_ENDPOINT}}
      encoding: {{codec: json}}
      labels: {{pipeline: pipeline-{i}}}
"""
    )


def write_repo(root: Path, documents: int, versions_per_artifact: int = 2) -> dict[str, int]:
    """Write `documents` files under `root` (kinds in MIX proportions); returns the count per kind."""
    counts = {kind: max(1, documents * share // 100) for kind, share in MIX.items()}
    counts["Workspace"] += documents - sum(counts.values())
    teams, clusters, templates = counts["Team"], counts["Cluster"], counts["WorkspaceTemplate"]
    makers = {
        "Team": ("teams", lambda i: team(i)),
        "Cluster": ("clusters", lambda i: cluster(i, teams)),
        "WorkspaceTemplate": ("templates", lambda i: workspace_template(i, teams)),
        "Workspace": ("workspaces", lambda i: workspace(i, teams, clusters, templates)),
        "Artifact": ("artifacts", lambda i: artifact(i, teams, versions_per_artifact)),
        "Policy": ("policies", lambda i: policy(i, teams)),
        "Pipeline": ("pipelines", lambda i: pipeline(i, teams)),
    }
    for kind, count in counts.items():
        folder, make = makers[kind]
        (root / folder).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            (root / folder / f"{kind.lower()}-{i}.yaml").write_text(make(i), encoding="utf-8")
    return counts
