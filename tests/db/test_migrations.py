"""Migrations: a fresh database, twice is a no-op, a newer schema is refused."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from reconciler.db.errors import SchemaTooNew
from reconciler.db.migrations import MigrationChanged, known_migrations, latest_version, migrate, schema_status
from tests.pg import PgServer

EXPECTED_TABLES = {
    "teams",
    "team_members",
    "clusters",
    "workspace_templates",
    "workspaces",
    "artifacts",
    "artifact_versions",
    "version_approvals",
    "policy_templates",
    "policy_bindings",
    "pipelines",
    "pipeline_versions",
    "pipeline_deployments",
    "audit_logs",
    "sync_runs",
    "sync_state",
    "reconcile_runs",
    "cluster_status",
    "leader_terms",
    "terminal_tokens",
    "schema_migrations",
}


@pytest.fixture
def empty_database(pg_server: PgServer) -> str:
    name = f"empty_{uuid.uuid4().hex}"
    with psycopg.connect(pg_server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_server.conninfo(name)


def test_a_fresh_database_is_migrated_once_and_twice_is_a_no_op(empty_database: str) -> None:
    with psycopg.connect(empty_database) as conn:
        assert [m.version for m in migrate(conn)] == [m.version for m in known_migrations()]
        assert migrate(conn) == ()
        status = schema_status(conn)
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert status.current_version == latest_version()
    assert status.pending == () and status.unknown == ()
    assert tables == EXPECTED_TABLES


def test_the_migrate_command_twice(portal, database_url: str) -> None:
    first = portal("db", "migrate", "--database-url", database_url)
    second = portal("db", "migrate", "--database-url", database_url)
    assert first.code == second.code == 0
    assert "applied" not in second.out
    assert f"schema at version {latest_version()}" in second.out


def test_a_schema_newer_than_the_code_is_refused(portal, database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')")
        conn.commit()
        with pytest.raises(SchemaTooNew, match="newer than this portal knows"):
            migrate(conn)
    result = portal("db", "status", "--database-url", database_url)
    assert result.code == 2
    assert "9999" in result.err and "upgrade portal" in result.err
    assert "Traceback" not in result.err


def test_an_applied_migration_whose_file_changed_is_refused(portal, database_url: str) -> None:
    """The ledger says 0002 ran with other SQL than the file now shipped: the schema cannot be trusted."""
    with psycopg.connect(database_url) as conn:
        migrate(conn)
        conn.execute("UPDATE schema_migrations SET checksum = 'edited-since' WHERE version = 2")
        conn.commit()
        with pytest.raises(MigrationChanged, match=r"0002_table_digests\.sql differ from what was applied"):
            migrate(conn)
        assert [m.version for m in schema_status(conn).changed] == [2]
    result = portal("db", "status", "--database-url", database_url)
    assert result.code == 2
    assert "0002_table_digests.sql" in result.err and "restore the file" in result.err
    assert "Traceback" not in result.err


def test_concurrent_migrations_apply_each_file_once(empty_database: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def run() -> int:
        with psycopg.connect(empty_database) as conn:
            return len(migrate(conn))

    with ThreadPoolExecutor(4) as pool:
        applied = list(pool.map(lambda _: run(), range(4)))
    assert sum(applied) == len(known_migrations())


def test_the_semver_migration_stores_any_number_and_marks_every_version_row_for_re_derivation(
    empty_database: str,
) -> None:
    from reconciler.db.migrations import _CREATE_LEDGER

    with psycopg.connect(empty_database) as conn:
        conn.execute(_CREATE_LEDGER)
        for migration in known_migrations():
            if migration.version < 4:
                conn.execute(migration.sql.encode("utf-8"))
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.checksum),
                )
        artifact, version = uuid.uuid4(), uuid.uuid4()
        conn.execute(
            "INSERT INTO artifacts (id, document_name, namespace, name, type, storage_config)"
            " VALUES (%s, 'vpc', 'networking', 'vpc', 'terraform-module', '{}')",
            (artifact,),
        )
        conn.execute(
            "INSERT INTO artifact_versions (id, artifact_id, version, version_major, version_minor, version_patch,"
            " version_pre, approval_status, published_by, row_hash)"
            " VALUES (%s, %s, '1.0.0-rc.10', 1, 0, 0, 'rc.10', 'pending', 'tess@acme.dev', 'old')",
            (version, artifact),
        )
        conn.execute("INSERT INTO sync_state (digest, table_digests, input_digest) VALUES ('old', '{\"a\": 1}', 'x')")
        conn.commit()

        assert [m.version for m in migrate(conn)] == [m.version for m in known_migrations() if m.version >= 4]
        assert conn.execute("SELECT row_hash, version_sort FROM artifact_versions").fetchall() == [(None, None)]
        assert conn.execute("SELECT digest, table_digests, input_digest FROM sync_state").fetchall() == [("", {}, None)]
        conn.execute("UPDATE artifact_versions SET version_major = 3000000000")  # integer stopped at 2^31 - 1
        assert conn.execute("SELECT version_major FROM artifact_versions").fetchone() == (3_000_000_000,)
