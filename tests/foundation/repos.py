"""A small, valid platform repo for tests to break one rule at a time."""

from __future__ import annotations

from reconciler import API_VERSION

HEADER = f"apiVersion: {API_VERSION}\n"
# Nine levels of nine aliases each: 9^9 values from ten short lines (top-level keys a to i).
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1dGVyYWxseS1ub3QtYS1yZWFsLWtleS1hdC1hbGwx alice@laptop"

TEAM = (
    HEADER
    + """\
kind: Team
metadata:
  name: payments
spec:
  displayName: Payments
  access:
    users:
      - {name: alice@acme.dev, role: admin}
      - {name: bob@acme.dev, role: operator}
      - {name: vic@acme.dev, role: viewer}
"""
)

MANAGEMENT = (
    HEADER
    + """\
kind: Cluster
metadata:
  name: mgmt
spec:
  role: management
  connection: {context: mgmt}
"""
)

TENANT = (
    HEADER
    + """\
kind: Cluster
metadata:
  name: dev-eu-1
  labels: {env: dev}
spec:
  role: tenant
  team: payments
  connection: {context: dev-eu-1}
  tenantClusterRef: {namespace: team-payments, name: dev-eu-1}
  workspaces:
    enabled: true
    maxWorkspaces: 3
    resourceQuota: {maxCPU: "8", maxMemory: 16Gi, maxStorage: 100Gi}
"""
)

WORKSPACE = (
    HEADER
    + f"""\
kind: Workspace
metadata:
  name: alice-ledger
spec:
  team: payments
  owner: alice@acme.dev
  cluster: dev-eu-1
  image: golang:1.23
  resources: {{cpu: "2", memory: 4Gi}}
  sshPublicKeys: ["{KEY}"]
"""
)


def valid_repo() -> dict[str, str]:
    return {
        "teams/payments.yaml": TEAM,
        "clusters/mgmt.yaml": MANAGEMENT,
        "clusters/dev-eu-1.yaml": TENANT,
        "workspaces/alice-ledger.yaml": WORKSPACE,
    }
