"""The model is built kind by kind when first read, and bodies remembered from earlier runs stay marshalled until
read: a run that re-checks one edit builds only what the checks it re-runs read, and finds exactly what a run
without any memory finds (`Repo` validates both ways after every step)."""

from __future__ import annotations

import marshal
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

import reconciler.model.build
import reconciler.validate.references
from reconciler.herald.tests.memo import TestMemo
from reconciler.load.sources import working_tree
from reconciler.model.build import build_model, model_of
from reconciler.model.document import Document
from reconciler.validate import validate_source
from reconciler.validate.memo import ValidationMemo
from reconciler.validate.pipeline_tests import with_test_findings
from tests.conftest import write_files
from tests.foundation.repos import TEAM, TENANT, WORKSPACE, valid_repo
from tests.foundation.test_remembered_subjects import Repo
from tests.herald.builders import APP_LOGS, APP_LOGS_TESTS, repo_files
from tests.keeper.builders import artifact
from tests.spies import record_calls

ARTIFACT = artifact(
    "    - {version: 1.0.0, publishedBy: alice@acme.dev, publishedAt: 2026-01-01T10:00:00Z}\n", team="payments"
)


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kinds whose tables are built, in order."""
    return record_calls(monkeypatch, reconciler.model.build, "build_table", lambda kind, documents: kind)


def _platform() -> dict[str, str]:
    """Teams, clusters, a workspace, a pipeline and an artifact."""
    return repo_files(("app-logs", APP_LOGS)) | {
        "clusters/dev-eu-1.yaml": TENANT,
        "workspaces/alice-ledger.yaml": WORKSPACE,
        "artifacts/vpc.yaml": ARTIFACT,
    }


def test_a_kind_is_built_when_first_read_and_the_lazy_model_equals_the_eager_one(built: list[str]) -> None:
    write = {"teams/payments.yaml": TEAM, "teams/copy.yaml": TEAM}  # one Team declared twice
    documents = [Document(path, 0, body, {}) for path, body in ((p, _body(text)) for p, text in write.items())] + [
        Document("clusters/mgmt.yaml", 0, _body(valid_repo()["clusters/mgmt.yaml"]), {})
    ]
    lazy = model_of(documents)
    assert built == []
    assert list(lazy.teams) == ["payments"] and built == ["Team"]
    assert [d.location.path for d in lazy.duplicates("Team") if d.location] == [
        "teams/copy.yaml",
        "teams/payments.yaml",
    ]
    eager, duplicates = build_model(documents)
    assert eager.teams.keys() == lazy.teams.keys() and eager.clusters.keys() == lazy.clusters.keys()
    assert duplicates == lazy.duplicates("Team") + lazy.duplicates("Cluster")
    assert lazy.pipelines == {} and lazy.duplicates("Pipeline") == []  # a kind with no document


def _body(text: str) -> dict[str, object]:
    import yaml

    return yaml.safe_load(text.removeprefix("\ufeff"))


def test_a_stored_document_reads_its_body_only_when_asked() -> None:
    body = _body(TEAM)
    stored = Document.stored("teams/payments.yaml", 0, "Team", "payments", marshal.dumps(body), {}, "abc")
    assert (stored.kind, stored.name, stored.subject) == ("Team", "payments", "Team/payments")
    assert stored._body is None  # nothing decoded for its identity
    assert stored.body == body and stored.spec["displayName"] == "Payments"
    assert stored == Document("teams/payments.yaml", 0, body, {}, "abc")
    assert stored != Document("teams/payments.yaml", 0, {**body, "spec": {}}, {}, "abc")


def test_a_run_with_nothing_changed_builds_no_kind(tmp_path: Path, built: list[str]) -> None:
    repo = Repo(tmp_path / "repo", tmp_path / "state", _platform())
    built.clear()
    validate_source(working_tree(repo.root), memo=ValidationMemo(repo.state))
    assert built == []


def test_a_workspace_edit_builds_neither_artifacts_nor_policies(tmp_path: Path, built: list[str]) -> None:
    repo = Repo(tmp_path / "repo", tmp_path / "state", _platform())
    write_files(repo.root, {"workspaces/alice-ledger.yaml": repo.files["workspaces/alice-ledger.yaml"] + "\n"})
    built.clear()
    validate_source(working_tree(repo.root), memo=ValidationMemo(repo.state))
    assert "Workspace" in built and "Artifact" not in built and "Policy" not in built


def test_references_follow_the_names_they_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = record_calls(monkeypatch, reconciler.validate.references, "_pipelines", lambda ctx: "pipelines")
    repo = Repo(tmp_path / "repo", tmp_path / "state", _platform(), runs)
    runs.clear()
    assert repo.edit("teams.yaml", "role: admin}]\n---", "role: operator}]\n---") == []  # names stay the same
    assert runs == []  # no pipeline's references were judged again

    dangling = "pipelines/app-logs.yaml: spec.team: Team 'payments' does not exist; did you mean 'payment'?"
    found = repo.edit("teams.yaml", "name: payments", "name: payment")  # a rename: every reference is read again
    assert dangling in found and runs == ["pipelines"]
    assert "artifacts/vpc.yaml: spec.team: Team 'payments' does not exist; did you mean 'payment'?" in found
    assert dangling not in repo.edit("teams.yaml", "name: payment", "name: payments")


def test_duplicates_are_found_and_forgotten_per_kind(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo", tmp_path / "state", _platform())
    twice = "Artifact/vpc is declared twice"
    found = repo.write({"artifacts/copy.yaml": ARTIFACT})
    assert len([m for m in found if twice in m]) == 2
    assert not any(twice in m for m in repo.edit("artifacts/copy.yaml", "name: vpc", "name: vpc-copy"))


def test_a_readme_removed_beside_unchanged_documents_is_seen(tmp_path: Path) -> None:
    with_readme = ARTIFACT.replace("  versions:", "  readme: docs/vpc.md\n  versions:")
    repo = Repo(tmp_path / "repo", tmp_path / "state", _platform() | {"artifacts/vpc.yaml": with_readme})
    missing = "artifacts/vpc.yaml: spec.readme: docs/vpc.md is not a file of this repo"
    assert missing in repo.validate()
    assert missing not in repo.write({"docs/vpc.md": "# VPC\n"})
    (repo.root / "docs/vpc.md").unlink()
    del repo.files["docs/vpc.md"]
    assert missing in repo.validate()


def test_tests_added_after_a_run_that_found_none_are_run(tmp_path: Path) -> None:
    root, state = tmp_path / "repo", tmp_path / "state"
    write_files(root, _platform())
    for _ in range(2):  # the second run remembers that no Pipeline has tests
        validation = with_test_findings(validate_source(working_tree(root), state_dir=state), TestMemo(state))
        assert not validation.errors
    failing = APP_LOGS_TESTS.replace('"error"', '"warning"')
    write_files(root, {"pipelines/app-logs.yaml": APP_LOGS + failing})
    validation = with_test_findings(validate_source(working_tree(root), state_dir=state), TestMemo(state))
    assert any(d.rule == "pipeline-tests" for d in validation.errors)


def test_a_time_recorded_after_the_commit_is_judged_by_each_commits_clock(tmp_path: Path) -> None:
    """Keeper remembers the latest time the Artifacts record; whether it lies after the commit is asked anew of
    every commit's time, so remembered findings follow the clock."""
    later = ARTIFACT.replace("2026-01-01T10:00:00Z", "2030-01-01T10:00:00Z")
    root, state = tmp_path / "repo", tmp_path / "state"
    write_files(root, _platform() | {"artifacts/vpc.yaml": later})

    def errors_at(year: int) -> list[str]:
        source = replace(working_tree(root), committed_at=datetime(year, 6, 1, tzinfo=UTC))
        remembered = validate_source(source, memo=ValidationMemo(state))
        assert remembered.diagnostics == validate_source(source, memo=ValidationMemo()).diagnostics
        return [d.message for d in remembered.errors]

    after = "version 1.0.0 is published at 2030-01-01T10:00:00Z, later than the commit that records it"
    assert any(m.startswith(after) for m in errors_at(2029))
    assert errors_at(2031) == []
    assert any(m.startswith(after) for m in errors_at(2029))
