"""Property: however a database got to a commit (any sequence of earlier commits synced one after another), it
holds the same declared rows as a fresh database synced straight to that commit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.build import build
from reconciler.db.sync import sync_commit
from reconciler.load.sources import working_tree
from reconciler.validate import validate_source
from tests.conftest import write_files
from tests.db.conftest import edited, template_files, without, without_vpc
from tests.pg import PgServer

Files = dict[str, str]
VPC = "artifacts/vpc/artifact.yaml"

EDITS: dict[str, Callable[[Files], Files]] = {
    "approve the vpc release candidate": lambda f: edited(
        f,
        VPC,
        "      storageRef: {tag: v1.3.0-rc.1}\n",
        "      storageRef: {tag: v1.3.0-rc.1}\n      approvals:\n"
        "        - {by: priya@acme.dev, at: 2026-11-21T09:00:00Z}\n"
        "        - {by: omar@acme.dev, at: 2026-11-21T10:00:00Z}\n",
    ),
    "reword an approval": lambda f: edited(f, VPC, "Reviewed the plan output", "Reviewed plan and cost"),
    "remove the vpc artifact": lambda f: without_vpc(f),
    "remove a pipeline": lambda f: without(f, "pipelines/app-logs.yaml"),
    "change a compiled config": lambda f: edited(
        f, "pipelines/app-logs.yaml", "out_of_order_action: accept", "out_of_order_action: drop"
    ),
    "reword a team": lambda f: edited(f, "teams/platform.yaml", "displayName: ", "displayName: The "),
}

# Declared rows only: archived artifacts, versions, approvals and pipelines, superseded deployments and pipeline
# history are what the path leaves behind, and may differ.
SNAPSHOTS = {
    "teams": "SELECT id, row_hash FROM teams",
    "team_members": "SELECT id, row_hash FROM team_members",
    "clusters": "SELECT id, row_hash FROM clusters",
    "workspaces": "SELECT id, row_hash FROM workspaces",
    "policies": "SELECT id, row_hash FROM policy_templates",
    "bindings": "SELECT id, row_hash FROM policy_bindings",
    "artifacts": "SELECT id, row_hash, status FROM artifacts WHERE status <> 'archived'",
    "versions": "SELECT v.id, v.row_hash, v.is_latest FROM artifact_versions v"
    " JOIN artifacts a ON a.id = v.artifact_id WHERE a.status <> 'archived' AND NOT v.archived",
    "approvals": "SELECT p.id, p.row_hash FROM version_approvals p JOIN artifact_versions v ON v.id = p.version_id"
    " JOIN artifacts a ON a.id = v.artifact_id WHERE a.status <> 'archived' AND NOT p.archived",
    "pipelines": "SELECT id, row_hash FROM pipelines WHERE status = 'active'",
    "deployments": "SELECT d.id, v.config_hash FROM pipeline_deployments d"
    " JOIN pipeline_versions v ON v.id = d.pipeline_version_id WHERE d.status = 'active'",
}


def apply_edits(names: list[str]) -> Files:
    files = template_files()
    for name in dict.fromkeys(names):  # each edit is a one-time change: a second application is no new state
        try:
            files = EDITS[name](files)
        except (AssertionError, KeyError):  # the edit no longer applies (its file is gone): skip it
            continue
    return files


def sync_files(url: str, files: Mapping[str, str], root: Path) -> None:
    for old in sorted(root.rglob("*"), reverse=True):
        old.unlink() if old.is_file() else old.rmdir()
    write_files(root, files)
    validation = validate_source(working_tree(root))
    assert not validation.errors, validation.errors[:3]
    with psycopg.connect(url) as conn:
        sync_commit(conn, build(validation))


def snapshot(url: str) -> dict[str, set[tuple]]:
    with psycopg.connect(url) as conn:
        return {name: set(conn.execute(query).fetchall()) for name, query in SNAPSHOTS.items()}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.lists(st.sampled_from(sorted(EDITS)), max_size=3), min_size=1, max_size=4))
def test_any_path_to_a_commit_holds_what_a_fresh_sync_holds(
    steps: list[list[str]], embedded_pg: PgServer, tmp_path_factory
) -> None:
    root = tmp_path_factory.mktemp("tree")
    walked = embedded_pg.fresh_database()
    for edits in steps:
        sync_files(walked, apply_edits(edits), root)
    direct = embedded_pg.fresh_database()
    sync_files(direct, apply_edits(steps[-1]), root)
    assert snapshot(walked) == snapshot(direct)
    with psycopg.connect(walked) as conn:
        assert conn.execute(
            "SELECT count(*) FROM (SELECT artifact_id FROM artifact_versions WHERE is_latest"
            " GROUP BY 1 HAVING count(*) > 1) AS doubled"
        ).fetchone() == (0,)
