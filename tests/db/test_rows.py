"""Rows of a commit: pure, and the same whether or not unchanged documents come from the row cache."""

from __future__ import annotations

from pathlib import Path

from reconciler.build import build
from reconciler.db.rows import RowCache, desired_rows
from reconciler.load.sources import working_tree
from reconciler.validate import validate_source
from tests.conftest import write_files
from tests.db.conftest import edited, template_files

VPC = "artifacts/vpc/artifact.yaml"


def rows_of(root: Path, cache: RowCache | None = None):
    validation = validate_source(working_tree(root))
    assert not validation.errors
    return desired_rows(build(validation), cache)


def test_cached_rows_equal_fresh_rows_after_a_change(tmp_path: Path) -> None:
    files = template_files()
    write_files(tmp_path, files)
    cache = RowCache()
    first = rows_of(tmp_path, cache)
    assert rows_of(tmp_path, cache) == first
    # A Policy change reaches the artifacts it binds, although their documents did not change.
    write_files(tmp_path, edited(files, "policies/production-modules.yaml", "minApprovers: 2", "minApprovers: 3"))
    cached, fresh = rows_of(tmp_path, cache), rows_of(tmp_path)
    assert cached == fresh
    assert cached.table_digests["artifact_versions"] != first.table_digests["artifact_versions"]
    assert cached.table_digests["teams"] == first.table_digests["teams"]


def test_the_digest_follows_the_content_not_the_run(tmp_path: Path) -> None:
    write_files(tmp_path / "a", template_files())
    write_files(tmp_path / "b", template_files())
    assert rows_of(tmp_path / "a").digest == rows_of(tmp_path / "b").digest
    write_files(tmp_path / "b", edited(template_files(), VPC, "Reviewed the plan output", "Reviewed"))
    assert rows_of(tmp_path / "a").digest != rows_of(tmp_path / "b").digest
