"""An unchanged file is never parsed or validated twice: in-process, and across processes via the state dir."""

from __future__ import annotations

from pathlib import Path

import pytest

import reconciler.validate.files
from reconciler.load import cache
from reconciler.load.files import read_file
from tests.conftest import write_files
from tests.foundation.repos import TEAM, valid_repo


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths `portal` actually reads and checks, in order; the in-process cache starts empty."""
    seen: list[str] = []

    def counting_read_file(file):  # type: ignore[no-untyped-def]
        seen.append(file.path)
        return read_file(file)

    monkeypatch.setattr(reconciler.validate.files, "read_file", counting_read_file)
    monkeypatch.setattr(cache, "_memory", {})
    return seen


def test_disk_cache_serves_a_fresh_process(tmp_path: Path, portal, parsed: list[str], monkeypatch) -> None:
    write_files(tmp_path / "repo", valid_repo())
    assert portal("validate", tmp_path / "repo").code == 0
    assert len(parsed) == 4
    parsed.clear()
    monkeypatch.setattr(cache, "_memory", {})  # as a new process starts
    assert portal("validate", tmp_path / "repo").code == 0
    assert parsed == []
    write_files(tmp_path / "repo", {"teams/payments.yaml": TEAM.replace("Payments", "Payments team")})
    monkeypatch.setattr(cache, "_memory", {})
    assert portal("validate", tmp_path / "repo").code == 0
    assert parsed == ["teams/payments.yaml"]


def test_memory_cache_serves_the_same_process(tmp_path: Path, portal, parsed: list[str]) -> None:
    write_files(tmp_path / "a", valid_repo())
    write_files(tmp_path / "b", valid_repo())  # the same blobs at the same paths in another tree
    portal("validate", tmp_path / "a")
    parsed.clear()
    result = portal("validate", tmp_path / "b")
    assert parsed == []
    assert result.code == 0


def test_cached_findings_keep_their_path(tmp_path: Path, portal, parsed: list[str]) -> None:
    broken = {"x/one.yaml": "a: [1\n", "y/two.yaml": "a: [1\n"}  # one blob at two paths
    write_files(tmp_path, valid_repo() | broken)
    result = portal("validate", tmp_path)
    assert [line.split(":")[0] for line in result.lines] == ["x/one.yaml", "y/two.yaml"]
    assert parsed.count("y/two.yaml") + parsed.count("x/one.yaml") == 1


def test_a_damaged_cache_only_costs_time(tmp_path: Path, portal, parsed: list[str], monkeypatch) -> None:
    write_files(tmp_path / "repo", valid_repo())
    portal("validate", tmp_path / "repo")
    damaged = [f for f in (tmp_path / ".portal-state" / "cache").rglob("*") if f.is_file()]
    assert damaged
    for file in damaged:
        file.write_bytes(b"\x00garbage")
    monkeypatch.setattr(cache, "_memory", {})
    parsed.clear()
    assert portal("validate", tmp_path / "repo").code == 0
    assert len(parsed) == 4
