"""An unchanged file is never parsed or validated twice: in-process, and across processes via the state dir."""

from __future__ import annotations

import gc
import marshal
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import reconciler.validate.files
from reconciler.load.cache import KnownBlobsFile
from reconciler.load.files import read_file
from reconciler.load.sources import git_blob_id, working_tree
from reconciler.validate import validate_source
from reconciler.validate.memo import ValidationMemo
from tests.conftest import write_files
from tests.foundation.repos import TEAM, valid_repo
from tests.spies import record_calls


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths `portal` actually reads and checks, in order."""
    seen: list[str] = []

    def counting_read_file(file):  # type: ignore[no-untyped-def]
        seen.append(file.path)
        return read_file(file)

    monkeypatch.setattr(reconciler.validate.files, "read_file", counting_read_file)
    return seen


def test_disk_cache_serves_a_fresh_process(tmp_path: Path, portal, parsed: list[str]) -> None:
    write_files(tmp_path / "repo", valid_repo())
    assert portal("validate", tmp_path / "repo").code == 0
    assert len(parsed) == 4
    parsed.clear()
    assert portal("validate", tmp_path / "repo").code == 0
    assert parsed == []
    write_files(tmp_path / "repo", {"teams/payments.yaml": TEAM.replace("Payments", "Payments team")})
    assert portal("validate", tmp_path / "repo").code == 0
    assert parsed == ["teams/payments.yaml"]


def test_a_kept_memo_serves_the_same_process(tmp_path: Path, parsed: list[str]) -> None:
    write_files(tmp_path / "a", valid_repo())
    write_files(tmp_path / "b", valid_repo())  # the same blobs at the same paths in another tree
    memo = ValidationMemo()  # no state dir: memory only
    first = validate_source(working_tree(tmp_path / "a"), memo=memo)
    parsed.clear()
    second = validate_source(working_tree(tmp_path / "b"), memo=memo)
    assert parsed == []
    assert first.diagnostics == second.diagnostics == ()


def test_validation_does_not_depend_on_what_an_earlier_run_remembered(tmp_path: Path, parsed: list[str]) -> None:
    """No module-level cache: a run without a memo reads every file again and finds the same."""
    write_files(tmp_path / "repo", valid_repo() | {"teams/broken.yaml": TEAM.replace("payments", "Bad_Name")})
    remembered = ValidationMemo()
    runs = [validate_source(working_tree(tmp_path / "repo"), memo=m) for m in (remembered, remembered, None)]
    assert parsed.count("teams/broken.yaml") == 2  # the kept memo spared the second run; the fresh one did not
    assert runs[0].diagnostics == runs[1].diagnostics == runs[2].diagnostics
    assert runs[0].errors


def test_cached_findings_keep_their_path(tmp_path: Path, portal, parsed: list[str]) -> None:
    broken = {"x/one.yaml": "a: [1\n", "y/two.yaml": "a: [1\n"}  # one blob at two paths
    write_files(tmp_path, valid_repo() | broken)
    result = portal("validate", tmp_path)
    assert [line.split(":")[0] for line in result.lines] == ["x/one.yaml", "y/two.yaml"]
    assert parsed.count("y/two.yaml") + parsed.count("x/one.yaml") == 1


def test_a_damaged_cache_only_costs_time(tmp_path: Path, portal, parsed: list[str]) -> None:
    write_files(tmp_path / "repo", valid_repo())
    portal("validate", tmp_path / "repo")
    damaged = [f for f in (tmp_path / ".portal-state" / "cache").rglob("*") if f.is_file()]
    assert damaged
    for file in damaged:
        file.write_bytes(b"\x00garbage")
    parsed.clear()
    assert portal("validate", tmp_path / "repo").code == 0
    assert len(parsed) == 4


ARTIFACT = """\
apiVersion: portal.butlerlabs.dev/v1alpha1
kind: Artifact
metadata: {name: NAME}
spec:
  type: helm-chart
  namespace: charts
  name: NAME
  team: TEAM
  storage: {oci: {registryUrl: oci://registry.acme.dev, repository: charts/NAME}}
  versions:
    - version: 1.0.0
      publishedBy: bob@acme.dev
      publishedAt: 2026-10-01T10:00:00Z
      approvals: [{by: alice@acme.dev, at: 2026-10-02T10:00:00Z}]
"""


def test_a_team_edit_rechecks_only_that_teams_artifacts(tmp_path: Path, portal, monkeypatch) -> None:
    import reconciler.keeper.commit

    files = valid_repo() | {
        "teams/ledger.yaml": TEAM.replace("name: payments", "name: ledger"),
        "artifacts/web.yaml": ARTIFACT.replace("NAME", "web").replace("TEAM", "payments"),
        "artifacts/books.yaml": ARTIFACT.replace("NAME", "books").replace("TEAM", "ledger"),
    }
    write_files(tmp_path / "repo", files)
    assert portal("validate", tmp_path / "repo").code == 0
    judged = record_calls(monkeypatch, reconciler.keeper.commit, "_findings_of", lambda ctx, artifact: artifact.name)
    # The ledger team loses its approver: only its artifact is judged again, and the finding is fresh.
    without_alice = files["teams/ledger.yaml"].replace("      - {name: alice@acme.dev, role: admin}\n", "")
    write_files(tmp_path / "repo", {"teams/ledger.yaml": without_alice})
    result = portal("validate", tmp_path / "repo")
    assert judged == ["books"]
    assert result.code == 1
    assert [line.split(": Artifact/")[0] for line in result.lines] == [
        "artifacts/books.yaml:14:7: warning",  # the version is pending again
        "artifacts/books.yaml:14:19: error",  # alice's approval no longer counts
    ]
    assert "alice@acme.dev" in result.lines[1]


@pytest.fixture
def collector_state() -> Iterator[None]:
    """Tests here freeze objects out of the cyclic collector's sight; give them back afterwards."""
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


@pytest.mark.parametrize("enabled", [True, False])
def test_loaded_entries_stay_out_of_the_collectors_walks(tmp_path: Path, enabled: bool, collector_state) -> None:
    """A warm run loads ~10^6 long-lived objects: the collector must not walk them on its next pass."""
    write_files(tmp_path / "repo", valid_repo())
    validate_source(working_tree(tmp_path / "repo"), state_dir=tmp_path / "state")
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()
    memo = ValidationMemo(tmp_path / "state")
    assert memo.blobs.entries
    assert gc.get_freeze_count() > 0
    assert gc.isenabled() is enabled  # the collector is left as it was found


@pytest.mark.parametrize("enabled", [True, False])
def test_the_model_stays_out_of_the_collectors_walks(tmp_path: Path, enabled: bool, collector_state) -> None:
    """The model (~10^5 objects that live as long as the validation) is built out of the collector's sight, each
    kind when it is first read: a warm run's one young-generation pass would otherwise walk all of it."""
    write_files(tmp_path / "repo", valid_repo())
    memo = ValidationMemo()  # kept in memory: the second run loads nothing, so only the model can be frozen
    validate_source(working_tree(tmp_path / "repo"), memo=memo)
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()
    validation = validate_source(working_tree(tmp_path / "repo"), memo=memo)
    teams = validation.model.teams
    assert teams and gc.get_freeze_count() > 0
    assert not any(o is teams for o in gc.get_objects())  # not in a generation it walks
    assert gc.isenabled() is enabled


def _age(path: Path, seconds: int = 10) -> None:
    """As if `path` was written `seconds` ago: old enough for its stat to vouch for its content."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns - seconds * 10**9, stat.st_mtime_ns - seconds * 10**9))


def _blob_ids(root: Path, state: Path) -> dict[str, str]:
    known = KnownBlobsFile(state, root)
    tree = working_tree(root, known.known)
    known.save()
    return {f.path: f.blob_id for f in tree.files}


def test_a_same_size_edit_in_the_same_second_is_seen(tmp_path: Path) -> None:
    team = write_files(tmp_path / "repo", {"teams/payments.yaml": TEAM})
    first = _blob_ids(team, tmp_path / "state")
    # Written just now: its stat cannot vouch for it yet, so an edit that keeps size and second is read again.
    (team / "teams/payments.yaml").write_text(TEAM.replace("Payments", "Pbyments"), encoding="utf-8")
    second = _blob_ids(team, tmp_path / "state")
    assert first["teams/payments.yaml"] != second["teams/payments.yaml"]
    assert second["teams/payments.yaml"] == git_blob_id(TEAM.replace("Payments", "Pbyments").encode())


def test_an_edit_of_a_vouched_file_is_seen_and_a_deleted_one_disappears(tmp_path: Path) -> None:
    root = write_files(tmp_path / "repo", {"teams/payments.yaml": TEAM, "teams/ledger.yaml": TEAM})
    for path in root.rglob("*.yaml"):
        _age(path)
    assert set(_blob_ids(root, tmp_path / "state")) == {"teams/payments.yaml", "teams/ledger.yaml"}
    edited = TEAM.replace("Payments", "Pbyments")  # the same size
    (root / "teams/payments.yaml").write_text(edited, encoding="utf-8")
    (root / "teams/ledger.yaml").unlink()
    assert _blob_ids(root, tmp_path / "state") == {"teams/payments.yaml": git_blob_id(edited.encode())}
    assert set(KnownBlobsFile(tmp_path / "state", root).known) <= {"teams/payments.yaml"}


@pytest.mark.parametrize(
    "stored",
    [
        b"\x00garbage",
        marshal.dumps({"teams/payments.yaml": 7}),  # another shape, as another version might write
        marshal.dumps({"teams/payments.yaml": ((1, 2), "0" * 40)}),
        marshal.dumps(["teams/payments.yaml"]),
    ],
)
def test_a_damaged_or_foreign_stat_index_is_never_trusted(tmp_path: Path, stored: bytes) -> None:
    root = write_files(tmp_path / "repo", {"teams/payments.yaml": TEAM})
    _age(root / "teams/payments.yaml")
    _blob_ids(root, tmp_path / "state")
    for index in (tmp_path / "state" / "cache").glob("stat-*"):
        index.write_bytes(stored)
    assert _blob_ids(root, tmp_path / "state") == {"teams/payments.yaml": git_blob_id(TEAM.encode())}
