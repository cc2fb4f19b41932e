"""Cross-document checks remembered subject by subject: an edit of any input of a subject changes its findings
at once, and a run that reuses remembered findings finds exactly what a run without any memo finds."""

from __future__ import annotations

from pathlib import Path

import pytest

import reconciler.chambers.checks
import reconciler.herald.checks
import reconciler.keeper.commit
import reconciler.validate.checks
from reconciler.load.sources import working_tree
from reconciler.model import Diagnostic
from reconciler.validate import validate_source
from reconciler.validate.memo import ValidationMemo
from tests.conftest import write_files
from tests.foundation.repos import HEADER, TEAM, TENANT, WORKSPACE, valid_repo
from tests.herald.builders import AGENT_ON_PRD, APP_LOGS, PRD_CLUSTER, cluster_named, pipeline_named, repo_files
from tests.keeper.builders import TEAMS as KEEPER_TEAMS
from tests.keeper.builders import artifact
from tests.spies import record_calls

TEMPLATE = (
    HEADER
    + """\
kind: WorkspaceTemplate
metadata:
  name: go
spec:
  displayName: Go
  category: backend
  scope: team
  team: payments
  template:
    image: golang:1.23
    resources: {cpu: "2", memory: 4Gi}
"""
)
# A second tenant cluster with a workspace of its own: its subject stays remembered through edits of the first's.
OTHER_TENANT = TENANT.replace("dev-eu-1", "dev-us-1").replace("{env: dev}", "{env: staging}")
OTHER_WORKSPACE = WORKSPACE.replace("alice-ledger", "bob-books").replace("dev-eu-1", "dev-us-1")


def _messages(findings: tuple[Diagnostic, ...]) -> list[str]:
    return [f"{d.location.path if d.location else '-'}: {d.message}" for d in findings]


class Repo:
    """A repo edited step by step, validated after each step by a fresh memo on a kept state dir (as a fresh
    process with a warm state dir is) and by one with no memory at all; both must find the same. `judged` keeps
    what the remembering run judged (the other judges everything)."""

    def __init__(self, root: Path, state: Path, files: dict[str, str], judged: list[str] | None = None) -> None:
        self.root, self.state, self.files = root, state, dict(files)
        self.judged = judged if judged is not None else []
        write_files(root, files)
        self.validate()

    def edit(self, path: str, old: str, new: str) -> list[str]:
        assert old in self.files[path], f"{path} holds no {old!r}"
        return self.write({path: self.files[path].replace(old, new, 1)})

    def write(self, files: dict[str, str]) -> list[str]:
        self.files.update(files)
        write_files(self.root, files)
        return self.validate()

    def validate(self) -> list[str]:
        remembered = validate_source(working_tree(self.root), memo=ValidationMemo(self.state)).diagnostics
        mark = len(self.judged)
        forgetful = validate_source(working_tree(self.root), memo=ValidationMemo()).diagnostics
        del self.judged[mark:]
        assert remembered == forgetful
        return _messages(remembered)


@pytest.fixture
def judged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The clusters whose workspaces chambers' check judges, in order."""
    return record_calls(
        monkeypatch,
        reconciler.chambers.checks,
        "_check_cluster",
        lambda ctx, cluster, workspaces: workspaces[0].cluster,
    )


def test_chambers_sees_an_edit_of_each_kind_it_reads(tmp_path: Path, judged: list[str]) -> None:
    files = valid_repo() | {
        "templates/go.yaml": TEMPLATE,
        "workspaces/alice-ledger.yaml": WORKSPACE.replace('  resources: {cpu: "2", memory: 4Gi}\n', "  template: go\n"),
        "clusters/dev-us-1.yaml": OTHER_TENANT,
        "workspaces/bob-books.yaml": OTHER_WORKSPACE,
    }
    repo = Repo(tmp_path / "repo", tmp_path / "state", files, judged)
    judged.clear()

    not_member = "workspaces/alice-ledger.yaml: spec.owner: alice@acme.dev is not a member of Team 'payments'"
    assert not_member in repo.edit("teams/payments.yaml", "alice@acme.dev", "carol@acme.dev")  # Team
    assert judged == ["dev-eu-1", "dev-us-1"]  # both clusters' workspaces belong to the team
    assert repo.edit("teams/payments.yaml", "carol@acme.dev", "alice@acme.dev") == []

    judged.clear()
    disabled = "workspaces/alice-ledger.yaml: spec.cluster: Cluster 'dev-eu-1' does not have workspaces enabled"
    assert disabled in repo.edit("clusters/dev-eu-1.yaml", "enabled: true", "enabled: false")  # Cluster
    assert judged == ["dev-eu-1"]  # the other cluster's findings are remembered
    assert repo.edit("clusters/dev-eu-1.yaml", "enabled: false", "enabled: true") == []

    over_quota = "clusters/dev-eu-1.yaml: spec.workspaces.resourceQuota.maxCPU: the workspaces on this cluster ask"
    found = repo.edit("templates/go.yaml", 'cpu: "2"', 'cpu: "12"')  # WorkspaceTemplate
    assert any(m.startswith(over_quota) for m in found)
    assert repo.edit("templates/go.yaml", 'cpu: "12"', 'cpu: "2"') == []

    judged.clear()
    not_member = "workspaces/bob-books.yaml: spec.owner: carol@acme.dev is not a member of Team 'payments'"
    assert repo.edit("workspaces/bob-books.yaml", "owner: alice", "owner: carol") == [not_member]  # Workspace
    assert judged == ["dev-us-1"]


def test_chambers_hints_follow_the_names_they_choose_among(tmp_path: Path) -> None:
    """A dangling team's "did you mean" reads every Team's name: adding a close one changes the hint, and a
    Team that only fails its own schema makes the reference resolve."""
    files = valid_repo() | {"workspaces/alice-ledger.yaml": WORKSPACE.replace("team: payments", "team: ledgr")}
    repo = Repo(tmp_path / "repo", tmp_path / "state", files)
    missing = "workspaces/alice-ledger.yaml: spec.team: Team 'ledgr' does not exist"
    assert f"{missing}" in repo.validate()
    ledger = TEAM.replace("name: payments", "name: ledger")
    assert f"{missing}; did you mean 'ledger'?" in repo.write({"teams/ledger.yaml": ledger})
    broken = TEAM.replace("name: payments", "name: ledgr").replace("displayName: Payments", "displayName: 7")
    broken = broken.replace("role: admin", "role: admn")
    assert not any(m.startswith(missing) for m in repo.write({"teams/ledgr.yaml": broken}))


def _counting(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    """Counts the runs of `module.name` (a check's findings) in the remembering run."""
    return record_calls(monkeypatch, module, name, lambda ctx: 1)


def test_placements_see_pipelines_and_cluster_labels_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = _counting(monkeypatch, reconciler.herald.checks, "_targets")
    repo = Repo(tmp_path / "repo", tmp_path / "state", repo_files(("app-logs", APP_LOGS)), runs)
    runs.clear()
    assert repo.edit("clusters/prd-eu-1.yaml", "context: prd-eu-1", "context: prd-eu-1-admin") == []
    assert runs == []  # what selects clusters stayed the same

    no_cluster = "pipelines/app-logs.yaml: targets[0] selects no cluster, so this target deploys nothing"
    assert repo.edit("clusters/prd-eu-1.yaml", "env: prd", "env: prod") == [no_cluster]  # a Cluster's labels
    assert runs == [1]
    assert repo.edit("clusters/prd-eu-1.yaml", "env: prod", "env: prd") == []
    assert no_cluster in repo.edit("pipelines/app-logs.yaml", "env: prd", "env: staging")  # a Pipeline
    assert repo.edit("pipelines/app-logs.yaml", "env: staging", "env: prd") == []

    # A cluster failing its own schema: its labels still count (its errors are the cause), so they are read too.
    broken = PRD_CLUSTER.replace("role: tenant", "role: tenant-ish").replace("env: prd", "env: prod")
    assert no_cluster in repo.write({"clusters/prd-eu-1.yaml": broken})
    found = repo.edit("clusters/prd-eu-1.yaml", "env: prod", "env: prd")
    assert no_cluster not in found and any(m.startswith("clusters/prd-eu-1.yaml") for m in found)


@pytest.fixture
def merged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The parts of the pipelines running together whose clashes herald's check looks for, by first pipeline."""
    return record_calls(monkeypatch, reconciler.herald.checks, "_running_together", lambda rows: rows[0][2][0].name)


def test_clashes_are_looked_for_where_the_edited_pipelines_run(tmp_path: Path, merged: list[str]) -> None:
    on_eu = "    - clusters: {names: [prd-eu-1]}\n      role: agent\n"
    files = repo_files(
        ("app-logs", APP_LOGS),
        ("more-logs", APP_LOGS.replace("name: app-logs", "name: more-logs")),  # app-logs' component ids: a clash
        ("extra-logs", pipeline_named("extra-logs", on_eu)),  # so the clash meets on two sets of pipelines
        ("dev-logs", pipeline_named("dev-logs", AGENT_ON_PRD.replace("env: prd", "env: dev"))),
    ) | {
        "clusters/prd-us-1.yaml": cluster_named("prd-us-1", "{env: prd, region: us}"),
        "clusters/dev-eu-1.yaml": cluster_named("dev-eu-1", "{env: dev, region: eu}"),
    }
    repo = Repo(tmp_path / "repo", tmp_path / "state", files, merged)
    clash = (
        "pipelines/more-logs.yaml: component id `pod_logs` is set by both Pipeline/app-logs and "
        "Pipeline/more-logs, which run together on prd-eu-1 (agent), prd-us-1 (agent)"
    )
    assert clash in repo.validate()
    merged.clear()
    found = repo.edit("pipelines/dev-logs.yaml", "to Loki", "to Loki, reworded")
    assert merged == ["dev-logs"] and clash in found  # the other part is remembered
    merged.clear()
    assert repo.edit("pipelines/extra-logs.yaml", "to Loki", "to Loki, reworded") == found
    assert merged == ["app-logs"]

    # The clash goes and comes back with one edit each; then a pipeline joins the other part, and leaves it.
    apart = repo.edit("pipelines/more-logs.yaml", "pod_logs", "more_logs")
    assert not any("run together" in m for m in apart)
    assert repo.edit("pipelines/more-logs.yaml", "more_logs", "pod_logs") == found
    joined = repo.edit("pipelines/dev-logs.yaml", "env: dev", "env: prd")
    assert joined == found
    assert repo.edit("pipelines/dev-logs.yaml", "env: prd", "env: dev") == found


@pytest.fixture
def spelled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The producers whose objects the identity check spells, in order."""
    seen: list[str] = []
    checks = reconciler.validate.checks
    record_calls(monkeypatch, checks, "_identities", lambda ctx, producer: producer, into=seen)
    record_calls(
        monkeypatch,
        checks,
        "_chambers_identities",
        lambda ctx, names: f"chambers {', '.join(sorted(names))}",
        into=seen,
    )
    return seen


def test_identities_see_what_places_objects(tmp_path: Path, spelled: list[str]) -> None:
    ledger_tenant = OTHER_TENANT.replace("namespace: team-payments", "namespace: team-ledger")
    files = valid_repo() | {
        "teams/ledger.yaml": TEAM.replace("name: payments", "name: ledger"),
        "clusters/dev-us-1.yaml": ledger_tenant.replace("team: payments", "team: ledger"),
        "workspaces/ledger.yaml": WORKSPACE.replace("team: payments", "team: ledger").replace("dev-eu-1", "dev-us-1"),
        "pipelines/app-logs.yaml": APP_LOGS.replace("env: prd", "env: dev"),
        # Named apart from alice-ledger's set of names (checked apart from it), on the same cluster.
        "workspaces/carol-notes.yaml": WORKSPACE.replace("name: alice-ledger", "name: carol-notes"),
    }
    repo = Repo(tmp_path / "repo", tmp_path / "state", files, spelled)
    spelled.clear()
    assert repo.edit("clusters/dev-us-1.yaml", "maxWorkspaces: 3", "maxWorkspaces: 4") == []
    assert spelled == []  # nothing that places objects changed

    collision = "compiles to Workspace team-payments/alice-ledger on Cluster 'mgmt'"
    found = repo.edit("clusters/dev-us-1.yaml", "namespace: team-ledger", "namespace: team-payments")  # a Cluster
    assert len([m for m in found if collision in m]) == 2
    # What places Workspaces (every set's), not what selects a cluster for a pipeline.
    assert spelled == ["chambers alice-ledger", "chambers carol-notes"]
    assert repo.edit("clusters/dev-us-1.yaml", "namespace: team-payments", "namespace: team-ledger") == []
    spelled.clear()
    found = repo.edit("workspaces/ledger.yaml", "cluster: dev-us-1", "cluster: dev-eu-1")  # a Workspace
    assert len([m for m in found if collision in m]) == 2
    assert spelled == ["chambers alice-ledger"]  # not carol-notes', on the same cluster
    assert repo.edit("workspaces/ledger.yaml", "cluster: dev-eu-1", "cluster: dev-us-1") == []
    spelled.clear()
    # A rename into alice-ledger's set: that set is checked again; carol-notes' set is gone.
    assert repo.edit("workspaces/carol-notes.yaml", "name: carol-notes", "name: bob-books") == []
    assert spelled == ["chambers alice-ledger, bob-books"]

    spelled.clear()
    assert repo.edit("pipelines/app-logs.yaml", "to Loki", "to Loki, reworded") == []  # a Pipeline
    assert spelled == ["herald"]
    spelled.clear()
    assert repo.edit("clusters/dev-us-1.yaml", "env: staging", "env: dev") == []  # what selects a cluster
    assert spelled == ["herald"]


VPC_VERSIONS = """\
    - version: 1.0.0
      publishedBy: bob@acme.dev
      publishedAt: 2026-10-01T10:00:00Z
      approvals: [{by: alice@acme.dev, at: 2026-10-02T10:00:00Z}]
"""


def test_keeper_rejudges_the_artifacts_of_an_edited_team_or_artifact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    judged = record_calls(monkeypatch, reconciler.keeper.commit, "_findings_of", lambda ctx, item: item.name)
    web = artifact(VPC_VERSIONS.replace("alice@", "pat@"), name="web", team="payments")
    files = {**KEEPER_TEAMS, "artifacts/vpc.yaml": artifact(VPC_VERSIONS), "artifacts/web.yaml": web}
    repo = Repo(tmp_path / "repo", tmp_path / "state", files, judged)
    judged.clear()
    found = repo.edit(
        "teams/platform.yaml", "{name: alice@acme.dev, role: admin}", "{name: alice@acme.dev, role: viewer}"
    )
    assert judged == ["vpc"] and any("alice@acme.dev" in m for m in found)
    assert repo.edit("teams/platform.yaml", "alice@acme.dev, role: viewer", "alice@acme.dev, role: admin") == []

    judged.clear()
    future = "      yanked: {reason: Broken, by: bob@acme.dev, at: 2099-01-01T10:00:00Z}\n"
    found = repo.write({"artifacts/web.yaml": web + future})  # a time after the commit's: an error, then none
    assert judged == ["web"] and any("later than the commit" in m for m in found)
    assert repo.write({"artifacts/web.yaml": web}) == []
