"""Rows of a commit: pure, and the same whether or not unchanged documents come from the row cache."""

from __future__ import annotations

from pathlib import Path

from reconciler.build import build
from reconciler.db.rows import DesiredRows, RowCache, SyncBase, desired_rows
from reconciler.db.tables import ARTIFACT_VERSIONS
from reconciler.load.sources import working_tree
from reconciler.model.recorded import RecordedArtifact, RecordedRegistry
from reconciler.validate import validate_source
from tests.conftest import write_files
from tests.db.conftest import LENIENT, LENIENT_PATH, edited, template_files

VPC = "artifacts/vpc/artifact.yaml"


def rows_of(root: Path, cache: RowCache | None = None, base: SyncBase | None = None):
    validation = validate_source(working_tree(root))
    assert not validation.errors
    return desired_rows(build(validation), cache, base)


# The database as after a first sync of the starter repo: priya is an admin of Team/platform, victor is not.
RECORDED = RecordedRegistry(admins={"platform": frozenset({"priya@acme.dev"})})
SUBNETS_KEY = ("networking", "subnets", "aws")
LENIENT_POLICY = {"autoApprovePatches": True, "minApprovers": 1, "preventSelfApproval": False}


def _subnets_status(state: DesiredRows) -> str:
    status = ARTIFACT_VERSIONS.index("approval_status")
    (subnets,) = (row for row in state.rows["artifact_versions"] if row.name.startswith("networking/subnets/"))
    return subnets.values[status]


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


def test_a_base_that_restrains_nothing_reuses_the_cached_rows(tmp_path: Path) -> None:
    """The first sync has no base and the next ones have one, by authors admin or not: when the base restrains
    no inline policy the artifacts' rows are the ones already made (a one-version change stays fast)."""
    write_files(tmp_path, {**template_files(), LENIENT_PATH: LENIENT})
    cache = RowCache()
    first = rows_of(tmp_path, cache)
    in_force = RecordedRegistry({SUBNETS_KEY: RecordedArtifact("subnets", "platform", "active", LENIENT_POLICY)})
    # An admin's relaxation is allowed; once it is in force, anyone's commit keeps it.
    for base in (SyncBase(RECORDED, "priya@acme.dev"), SyncBase(in_force, "victor@acme.dev")):
        again = rows_of(tmp_path, cache, base)
        assert again == first
        reused = zip(again.rows["artifact_versions"], first.rows["artifact_versions"], strict=True)
        assert all(now is before for now, before in reused)


def test_a_restrained_inline_policy_is_never_served_from_the_cache_of_an_allowed_one(tmp_path: Path) -> None:
    write_files(tmp_path, {**template_files(), LENIENT_PATH: LENIENT})
    cache = RowCache()
    allowed = rows_of(tmp_path, cache, SyncBase(RECORDED, "priya@acme.dev"))
    restrained = rows_of(tmp_path, cache, SyncBase(RECORDED, "victor@acme.dev"))
    assert restrained == rows_of(tmp_path, None, SyncBase(RECORDED, "victor@acme.dev"))
    assert _subnets_status(restrained) != _subnets_status(allowed) == "approved"
    assert rows_of(tmp_path, cache, SyncBase(RECORDED, "priya@acme.dev")) == allowed
