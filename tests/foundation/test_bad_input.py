"""Every kind of bad input gets exactly one clear, located message and exit 1 — never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_files
from tests.foundation.repos import ALIAS_BOMB, HEADER, KEY, TEAM, WORKSPACE, valid_repo

CASES: dict[str, tuple[dict[str, str | bytes], list[str]]] = {
    "empty file": ({"teams/empty.yaml": ""}, ["teams/empty.yaml:1:1: error: empty file: it holds no YAML documents"]),
    "syntax error": (
        {"teams/broken.yaml": HEADER + "kind: Team\nmetadata: {name: x\nspec: {}\n"},
        ["teams/broken.yaml:4:5: error: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping)"],
    ),
    "tab indentation": (
        {"teams/tabs.yaml": HEADER + "kind: Team\nmetadata:\n\tname: x\n"},
        ["teams/tabs.yaml:4:1: error: invalid YAML: a tab character cannot indent YAML; use spaces"],
    ),
    "duplicate key": (
        {"teams/dup.yaml": TEAM + "kind: Team\n"},
        ["teams/dup.yaml:12:1: error: invalid YAML: duplicate key 'kind' (first defined at line 2, column 1)"],
    ),
    "alias bomb": (
        {"teams/bomb.yaml": ALIAS_BOMB},
        [
            "teams/bomb.yaml:1:8: error: invalid YAML: aliases expand to too many values (an alias bomb?); "
            "write the values out"
        ],
    ),
    "2 MiB file": (
        {"teams/huge.yaml": TEAM + "#" * (2 * 1024 * 1024) + "\n"},
        [f"teams/huge.yaml:1:1: error: file too large: {len(TEAM) + 2 * 1024 * 1024 + 1} bytes (the limit is 1048576)"],
    ),
    "binary file": (
        {"teams/blob.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
        ["teams/blob.yaml:1:1: error: binary file: documents must be UTF-8 YAML text"],
    ),
    "not utf-8": (
        {"teams/latin1.yaml": (TEAM.replace("Payments", "Paiements \xe9")).encode("latin-1")},
        ["teams/latin1.yaml:6:26: error: not UTF-8 text: byte 0xe9 cannot be decoded"],
    ),
    "unknown kind": (
        {"teams/kind.yaml": TEAM.replace("kind: Team", "kind: Teams")},
        [
            "teams/kind.yaml:2:1: error: unknown kind 'Teams' (expected one of Team, Cluster, WorkspaceTemplate, "
            "Workspace, Artifact, Policy, Pipeline); did you mean 'Team'?"
        ],
    ),
    "wrong apiVersion": (
        {"teams/api.yaml": TEAM.replace("portal.butlerlabs.dev/v1alpha1", "butler.butlerlabs.dev/v1alpha1")},
        [
            "teams/api.yaml:1:1: error: unknown apiVersion 'butler.butlerlabs.dev/v1alpha1' "
            "(expected 'portal.butlerlabs.dev/v1alpha1')"
        ],
    ),
    "list at top level": (
        {"teams/list.yaml": "- " + TEAM.replace("\n", "\n  ")},
        [
            "teams/list.yaml:1:1: error: a document must be a mapping with apiVersion, kind, metadata and spec; "
            "found a list"
        ],
    ),
    "missing name": (
        {"teams/anon.yaml": TEAM.replace("  name: payments\n", "  labels: {a: b}\n")},
        ["teams/anon.yaml:3:1: error: Team/?: metadata.name is required"],
    ),
    "upper-case name": (
        {"teams/ops.yaml": TEAM.replace("name: payments", "name: Ops")},
        [
            'teams/ops.yaml:4:3: error: Team/Ops: metadata.name: "Ops" is not valid: A DNS-1123 '
            "label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, "
            "at most 63 characters."
        ],
    ),
    "misspelled field": (
        {"teams/payments.yaml": TEAM.replace("displayName:", "displayNme:")},
        [
            "teams/payments.yaml:6:3: error: Team/payments: spec.displayNme: unknown field 'displayNme'; "
            "did you mean 'displayName'?"
        ],
    ),
    "dangling reference": (
        {"workspaces/alice-ledger.yaml": WORKSPACE.replace("cluster: dev-eu-1", "cluster: dev-eu-2")},
        [
            "workspaces/alice-ledger.yaml:8:3: error: Workspace/alice-ledger: spec.cluster: Cluster 'dev-eu-2' "
            "does not exist; did you mean 'dev-eu-1'?"
        ],
    ),
    "owner not in team": (
        {"workspaces/alice-ledger.yaml": WORKSPACE.replace("owner: alice@acme.dev", "owner: eve@acme.dev")},
        [
            "workspaces/alice-ledger.yaml:7:3: error: Workspace/alice-ledger: spec.owner: eve@acme.dev is not a "
            "member of Team 'payments'"
        ],
    ),
    "workspace without SSH keys": (
        {"workspaces/alice-ledger.yaml": WORKSPACE.replace(f'  sshPublicKeys: ["{KEY}"]\n', "")},
        [
            "workspaces/alice-ledger.yaml:5:1: error: Workspace/alice-ledger: spec.sshPublicKeys: a workspace needs "
            "at least one SSH public key (Butler refuses one without)"
        ],
    ),
    "quota exceeded": (
        {
            f"workspaces/ws-{i}.yaml": WORKSPACE.replace("alice-ledger", f"ws-{i}").replace('cpu: "2"', 'cpu: "4"')
            for i in range(2)
        },
        [
            "clusters/dev-eu-1.yaml:14:21: error: Cluster/dev-eu-1: spec.workspaces.resourceQuota.maxCPU: the "
            "workspaces on this cluster ask for 10 cpu in total; the quota is 8"
        ],
    ),
    "too many workspaces": (
        {
            f"workspaces/ws-{i}.yaml": WORKSPACE.replace("alice-ledger", f"ws-{i}")
            .replace('cpu: "2"', 'cpu: "1"')
            .replace("memory: 4Gi", "memory: 1Gi")
            for i in range(3)
        },
        [
            "clusters/dev-eu-1.yaml:13:5: error: Cluster/dev-eu-1: spec.workspaces.maxWorkspaces: 4 workspaces are "
            "placed on this cluster; the limit is 3"
        ],
    ),
    "unquoted number for a string": (
        {"teams/payments.yaml": TEAM.replace("displayName: Payments", "displayName: 1.3")},
        [
            "teams/payments.yaml:6:3: error: Team/payments: spec.displayName: 1.3 is read as a number, but a string "
            'is expected here: put it in quotes ("1.3")'
        ],
    ),
    "bad duration": (
        {"workspaces/alice-ledger.yaml": WORKSPACE + "  idleTimeout: 4hours\n"},
        [
            'workspaces/alice-ledger.yaml:12:3: error: Workspace/alice-ledger: spec.idleTimeout: "4hours" is not '
            "valid: A Go-style duration: a sequence of decimal numbers with units ns, us, ms, s, m, h (e.g. 4h, 90m, "
            "1h30m), or 0."
        ],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_one_located_error(case: str, tmp_path: Path, portal) -> None:
    overrides, expected = CASES[case]
    write_files(tmp_path / "repo", valid_repo() | overrides)
    result = portal("validate", tmp_path / "repo")
    assert result.lines == expected
    assert result.code == 1
    assert "Traceback" not in result.err


def test_same_name_in_two_files_reports_both_places(tmp_path: Path, portal) -> None:
    write_files(tmp_path / "repo", valid_repo() | {"teams/again.yaml": "# a copy\n" + TEAM})
    result = portal("validate", tmp_path / "repo")
    assert result.code == 1
    assert result.lines == [
        "teams/again.yaml:5:3: error: Team/payments: Team/payments is declared twice: here and at "
        "teams/payments.yaml:4:3",
        "teams/payments.yaml:4:3: error: Team/payments: Team/payments is declared twice: here and at "
        "teams/again.yaml:5:3",
    ]


def test_warnings_alone_exit_zero_unless_strict(tmp_path: Path, portal) -> None:
    artifact = (
        HEADER
        + """\
kind: Artifact
metadata: {name: vpc}
spec:
  type: helm-chart
  namespace: networking
  team: payments
  readme: docs/missing.md
  storage: {oci: {registryUrl: oci://registry.acme.dev, repository: charts/vpc}}
"""
    )
    write_files(tmp_path / "repo", valid_repo() | {"artifacts/vpc.yaml": artifact})
    lenient = portal("validate", tmp_path / "repo")
    assert lenient.lines == [
        "artifacts/vpc.yaml:8:3: warning: Artifact/vpc: spec.readme: docs/missing.md is not a file of this repo"
    ]
    assert lenient.code == 0
    assert portal("validate", "--strict", tmp_path / "repo").code == 1


def test_same_workspace_name_of_two_teams_on_one_cluster(tmp_path: Path, portal) -> None:
    other_team = TEAM.replace("name: payments", "name: ledger")
    twin = WORKSPACE.replace("team: payments", "team: ledger")
    write_files(tmp_path / "repo", valid_repo() | {"teams/ledger.yaml": other_team, "workspaces/twin.yaml": twin})
    result = portal("validate", tmp_path / "repo")
    assert result.code == 1
    assert result.lines == [
        "workspaces/alice-ledger.yaml:4:3: error: Workspace/alice-ledger: compiles to Workspace "
        "team-payments/alice-ledger on Cluster 'mgmt', as does Workspace/alice-ledger at workspaces/twin.yaml:4:3; "
        "rename one of them",
        "workspaces/twin.yaml:4:3: error: Workspace/alice-ledger: compiles to Workspace team-payments/alice-ledger "
        "on Cluster 'mgmt', as does Workspace/alice-ledger at workspaces/alice-ledger.yaml:4:3; rename one of them",
    ]
