"""Versions in the database follow semver 2.0.0: ordered by precedence, any size of number stored."""

from __future__ import annotations

from collections.abc import Callable

from tests.db.conftest import TemplateRepo, edited
from tests.db.test_sync import VPC, Query, sync

NEW_VERSIONS = """\
    - version: 3000000000.0.0-rc.1
      publishedBy: tess@acme.dev
      publishedAt: 2026-11-21T10:00:00Z
    - version: 1.3.0-rc.10
      publishedBy: tess@acme.dev
      publishedAt: 2026-11-22T10:00:00Z
    - version: 1.3.0-rc.9+build.7
      publishedBy: tess@acme.dev
      publishedAt: 2026-11-21T11:00:00Z
"""
VPC_BY_PRECEDENCE = (
    "SELECT v.version, v.version_major, v.is_latest FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id"
    " WHERE a.document_name = 'vpc' ORDER BY v.version_sort"
)


def test_versions_are_ordered_by_semver_precedence_and_big_numbers_are_stored(
    portal: Callable, template_repo: TemplateRepo, database_url: str, query: Query
) -> None:
    template_repo.commit(edited(template_repo.files, VPC, "  versions:\n", "  versions:\n" + NEW_VERSIONS))
    sync(portal, template_repo, database_url)
    rows = query(VPC_BY_PRECEDENCE)
    assert [r[0] for r in rows] == [
        "0.9.0",
        "1.0.0",
        "1.1.0",
        "1.2.0",
        "1.3.0-rc.1",
        "1.3.0-rc.9+build.7",  # numeric identifiers compare as numbers: 9 < 10
        "1.3.0-rc.10",
        "3000000000.0.0-rc.1",
    ]
    assert rows[-1][1] == 3_000_000_000  # past int4
    assert [r[0] for r in rows if r[2]] == ["1.2.0"]  # latest: the most recently approved


def test_versions_of_equal_precedence_are_refused_before_anything_is_written(
    portal: Callable, template_repo: TemplateRepo, database_url: str, query: Query
) -> None:
    sync(portal, template_repo, database_url)
    before = query(VPC_BY_PRECEDENCE)
    duplicate = (
        "    - version: 1.2.0+rebuilt\n      publishedBy: tess@acme.dev\n      publishedAt: 2026-11-21T10:00:00Z\n"
    )
    template_repo.commit(edited(template_repo.files, VPC, "  versions:\n", "  versions:\n" + duplicate))
    result = portal("db", "sync", "--repo", template_repo.path, "--ref", "HEAD", "--database-url", database_url)
    assert result.code == 1
    assert result.out == (
        f"{VPC}:40:7: error: Artifact/vpc: version 1.2.0 has the precedence of 1.2.0+rebuilt (first at {VPC}:32:7):"
        " build metadata does not make another version\n"
    )
    assert query(VPC_BY_PRECEDENCE) == before
