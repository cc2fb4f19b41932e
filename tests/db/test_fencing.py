"""Fencing database writes by leader term: a replica that lost its Lease cannot write after its successor did."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from reconciler.build import Build, build
from reconciler.db.fencing import Fence, StaleTerm, claim_terms
from reconciler.db.record import record_reconcile
from reconciler.kube.cluster_reconcile import ClusterReport
from reconciler.load.sources import git_commit
from reconciler.settings import DatabaseSettings
from reconciler.state_dir import StateDir
from reconciler.validate import validate_source
from tests.db.conftest import TemplateRepo, edited

Query = Callable[..., list[tuple]]
TEAM = "teams/payments.yaml"


def built_head(repo: TemplateRepo, state: Path) -> Build:
    return build(validate_source(git_commit(str(repo.path), "HEAD", state), state_dir=state))


def test_a_paused_old_leader_cannot_record_after_its_successor(
    template_repo: TemplateRepo, database_url: str, query: Query, tmp_path: Path
) -> None:
    database, state = DatabaseSettings(database_url), StateDir(tmp_path)
    old_commit = template_repo.head
    stale_build = built_head(template_repo, tmp_path)  # term 3 built commit 1, then was paused
    assert record_reconcile(database, state, stale_build, [], fences=[Fence("leader", 3, "replica-a")]) is None
    files = edited(template_repo.files, TEAM, "displayName: Payments", "displayName: Payments and Billing")
    new_commit = template_repo.commit(files, "rename the payments team")
    reports = [ClusterReport("prd-eu-1", "ok")]
    new = record_reconcile(
        database, state, built_head(template_repo, tmp_path), reports, fences=[Fence("leader", 4, "replica-b")]
    )
    assert new is None

    # replica-a wakes up and writes what it had: the older commit, and a cluster outcome
    problem = record_reconcile(
        database, state, stale_build, [ClusterReport("prd-eu-1", "unreachable", error="x")],
        fences=[Fence("leader", 3, "replica-a")],
    )  # fmt: skip

    assert problem is not None
    assert "term 3" in problem and "replica-b already wrote as term 4" in problem
    assert query("SELECT commit_sha FROM sync_state") == [(new_commit,)]
    assert query("SELECT display_name FROM teams WHERE name = 'payments'") == [("Payments and Billing",)]
    assert query("SELECT last_commit, result FROM cluster_status") == [(new_commit, "applied")]
    assert query("SELECT commit_sha, terms FROM reconcile_runs ORDER BY id") == [
        (old_commit, {"leader": 3}),
        (new_commit, {"leader": 4}),
    ]
    assert query("SELECT commit_sha, terms FROM sync_runs ORDER BY id") == [
        (old_commit, {"leader": 3}),
        (new_commit, {"leader": 4}),
    ]
    assert query("SELECT scope, term, holder FROM leader_terms") == [("leader", 4, "replica-b")]


def test_the_same_or_a_higher_term_may_write_and_scopes_are_independent(database_url: str, query: Query) -> None:
    with psycopg.connect(database_url) as conn:
        for fences in (
            [Fence("shard-0", 2, "a"), Fence("shard-1", 7, "b")],
            [Fence("shard-0", 2, "a")],  # a renewal: the same term again
            [Fence("shard-0", 5, "c"), Fence("shard-1", 7, "b")],
        ):
            with conn.transaction():
                claim_terms(conn, fences)
        with pytest.raises(StaleTerm, match="shard-0"), conn.transaction():
            claim_terms(conn, [Fence("shard-1", 7, "b"), Fence("shard-0", 4, "a")])
    assert query("SELECT scope, term, holder FROM leader_terms ORDER BY scope") == [
        ("shard-0", 5, "c"),
        ("shard-1", 7, "b"),
    ]


def test_an_old_term_waiting_on_the_new_terms_open_transaction_is_refused_when_it_commits(
    database_url: str, query: Query
) -> None:
    with psycopg.connect(database_url) as setup, setup.transaction():
        claim_terms(setup, [Fence("leader", 3, "a")])
    outcome: list[str] = []
    with psycopg.connect(database_url) as new, psycopg.connect(database_url) as old:
        new.execute("BEGIN")
        claim_terms(new, [Fence("leader", 4, "b")])  # holds the row until it commits

        def old_leader_writes() -> None:
            try:
                with old.transaction():
                    claim_terms(old, [Fence("leader", 3, "a")])
                outcome.append("written")
            except StaleTerm:
                outcome.append("refused")

        writer = threading.Thread(target=old_leader_writes)
        writer.start()
        writer.join(0.5)
        assert writer.is_alive(), "the old term must wait for the row the new term holds"
        new.execute("COMMIT")
        writer.join(10)
    assert outcome == ["refused"]
    assert query("SELECT term, holder FROM leader_terms") == [(4, "b")]
