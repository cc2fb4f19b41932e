"""The registry changes a PR check lists in its plan."""

from __future__ import annotations

from reconciler.keeper.changes import registry_changes
from reconciler.keeper.state import derive, recorded_state
from tests.keeper.builders import TEAMS, artifact, model, repo

V100 = """\
    - version: 1.0.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-01-01T10:00:00Z
      approvals: [{by: bob@acme.dev, at: 2026-01-02T10:00:00Z}]
"""
V110 = """\
    - version: 1.1.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-02-01T10:00:00Z
"""
V120 = """\
    - version: 1.2.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-03-01T10:00:00Z
"""


def test_changes_of_one_pull_request() -> None:
    base = repo(V110 + V100)
    approved = V110 + "      approvals: [{by: carol@acme.dev, at: 2026-02-02T10:00:00Z}]\n"
    yanked = V100 + "      yanked: {reason: Broken, by: bob@acme.dev, at: 2026-02-03T10:00:00Z}\n"
    head = model({**TEAMS, "artifacts/vpc.yaml": artifact(V120 + approved + yanked, spec="  status: deprecated\n")})
    changes = registry_changes(recorded_state(base), derive(head, base))
    assert [c.describe() for c in changes] == [
        "Artifact/vpc: deprecated",
        "Artifact/vpc 1.0.0: yanked (Broken)",
        "Artifact/vpc 1.1.0: approved (by carol@acme.dev)",
        "Artifact/vpc 1.2.0: published (by alice@acme.dev)",
        "Artifact/vpc 1.1.0: latest (was 1.0.0)",
    ]


def test_added_and_archived_artifacts() -> None:
    base = repo(V100)
    head = model({**TEAMS, "artifacts/eks.yaml": artifact(V100, name="eks", spec="  name: eks\n")})
    assert [c.describe() for c in registry_changes(recorded_state(base), derive(head, base))] == [
        "Artifact/eks: added",
        "Artifact/eks 1.0.0: published (by alice@acme.dev)",
        "Artifact/eks 1.0.0: approved (by bob@acme.dev)",
        "Artifact/eks 1.0.0: latest (was none)",
        "Artifact/vpc: archived",
    ]
