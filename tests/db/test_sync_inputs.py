"""A commit synced before is known to be current from its inputs, before a single row is derived; and every
input counts, the files documents pull in (READMEs) too."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

import reconciler.db.sync as sync_module
from reconciler.build import build
from reconciler.db.sync import sync_commit
from reconciler.load.sources import git_commit, working_tree
from reconciler.validate import validate_source
from tests.conftest import write_files
from tests.db.conftest import TemplateRepo, template_files


def test_a_synced_commit_is_current_without_deriving_rows(
    template_repo: TemplateRepo, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    validation = validate_source(git_commit(str(template_repo.path), "HEAD", tmp_path / "state"))
    with psycopg.connect(database_url) as conn:
        assert sync_commit(conn, build(validation)).status == "synced"

        def no_rows(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("rows were derived for a commit already synced")

        monkeypatch.setattr(sync_module, "desired_rows", no_rows)
        again = sync_commit(conn, build(validation))
    assert (again.status, again.commit, again.round_trips) == ("current", template_repo.head, 2)


def test_an_edited_readme_is_synced(database_url: str, tmp_path: Path) -> None:
    root = write_files(tmp_path / "tree", template_files())
    with psycopg.connect(database_url) as conn:
        assert sync_commit(conn, build(validate_source(working_tree(root)))).status == "synced"
        readme = root / "artifacts" / "vpc" / "README.md"
        readme.write_text(readme.read_text() + "\nNew section on IPv6.\n")
        result = sync_commit(conn, build(validate_source(working_tree(root))))
        stored = conn.execute("SELECT readme FROM artifacts WHERE name = 'vpc'").fetchone()
    assert result.status == "synced"
    assert result.counts == {"artifacts": {"updated": 1}}
    assert stored is not None and stored[0].endswith("New section on IPv6.\n")
