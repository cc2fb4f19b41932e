"""[metadata] Sync 10,000 artifact versions into PostgreSQL: cold, no-op, one changed version; and a peer that
inserts the same rows with one INSERT round trip per row.

Times are the sync step (rows derived from the validated commit, planned and written), not validation, which
`make bench` measures on its own. The no-op and one-change syncs keep the row cache between commits, as the
daemon does; the cold sync starts without it. The garbage collector runs before each timed step, so one
step's garbage is not charged to the next.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql

from reconciler.build import build
from reconciler.db.link import Link, adapted, stored_columns
from reconciler.db.migrations import migrate
from reconciler.db.rows import RowCache, desired_rows
from reconciler.db.server import EmbeddedServer
from reconciler.db.sync import AUDIT_COLUMNS, SyncResult, _audit_row, sync_commit
from reconciler.db.sync_plan import StoredState, plan
from reconciler.load.sources import working_tree
from reconciler.validate import Validation, validate_source
from tests.bench.measure import run_process
from tests.bench.synthetic import write_repo

DOCUMENTS = 4_000  # 1,000 artifacts (a quarter of the documents)
VERSIONS_PER_ARTIFACT = 10
SMALL_DOCUMENTS = 400  # a tenth of the size: the round trips must be the same
COLD_TARGET, NO_OP_TARGET, ONE_CHANGE_TARGET = 5.0, 0.3, 0.3
CHANGED_FILE = "artifacts/artifact-0.yaml"


def timed[T](action: Callable[[], T]) -> tuple[float, T]:
    # Collect the garbage earlier steps left (validation allocates a lot): a collector pass they caused would
    # otherwise land inside whatever is timed next.
    gc.collect()
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def fresh_database(server: EmbeddedServer, name: str) -> str:
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = server.conninfo(name)
    with psycopg.connect(url) as conn:
        migrate(conn)
    return url


def validated_repo(root: Path, documents: int) -> Validation:
    write_repo(root, documents, VERSIONS_PER_ARTIFACT)
    validation = validate_source(working_tree(root), state_dir=root.parent / f"{root.name}-state")
    assert not validation.errors, validation.errors[:3]
    return validation


def peer_insert_row_by_row(url: str, validation: Validation) -> tuple[float, int, int]:
    """The same rows a cold sync writes, each with its own INSERT round trip, in one transaction."""
    desired = desired_rows(build(validation))
    changes = plan(desired, StoredState({}, {}), "bench@acme.dev", None)
    with psycopg.connect(url) as conn:
        link = Link(conn)

        def insert_all() -> int:
            written = 0
            with conn.transaction():
                for table_changes in changes.changes:
                    table = table_changes.table
                    columns = stored_columns(table)
                    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                        sql.Identifier(table.name),
                        sql.SQL(", ").join(map(sql.Identifier, columns)),
                        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
                    )
                    for row in table_changes.inserts:
                        link.execute(statement, adapted(table, row))
                        written += 1
                audit_statement = sql.SQL("INSERT INTO audit_logs ({}) VALUES ({})").format(
                    sql.SQL(", ").join(map(sql.Identifier, AUDIT_COLUMNS)),
                    sql.SQL(", ").join(sql.Placeholder() * len(AUDIT_COLUMNS)),
                )
                for entry in changes.audit:
                    link.execute(audit_statement, _audit_row(entry, None, 0))
                    written += 1
            return written

        seconds, written = timed(insert_all)
    return seconds, written, link.round_trips


def _rows_written(result: SyncResult) -> int:
    return sum(sum(c.values()) for c in result.counts.values()) + result.audit_rows


def run() -> list[str]:
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-metadata-") as tmp:
        workdir = Path(tmp)
        validation_seconds, validation = timed(lambda: validated_repo(workdir / "repo", DOCUMENTS))
        small = validated_repo(workdir / "small", SMALL_DOCUMENTS)
        versions = sum(len(a.versions) for a in validation.model.artifacts.values())
        small_versions = sum(len(a.versions) for a in small.model.artifacts.values())
        lines.append(
            f"synthetic repo: {DOCUMENTS:,} documents, {versions:,} artifact versions "
            f"(validated in {validation_seconds:.2f} s, not counted below)"
        )
        server = EmbeddedServer.in_state_dir(workdir / "state")
        server.ensure_running()
        try:
            cache = RowCache()
            with psycopg.connect(fresh_database(server, "bench_ours")) as conn:
                cold_seconds, cold = timed(lambda: sync_commit(conn, build(validation), cache=cache))
                no_op_seconds, no_op = timed(lambda: sync_commit(conn, build(validation), cache=cache))
                changed_path = workdir / "repo" / CHANGED_FILE
                changed_path.write_text(
                    changed_path.read_text().replace("changelog: Release 5.", "changelog: Release 5, notes fixed."),
                )
                changed = validate_source(working_tree(workdir / "repo"), state_dir=workdir / "repo-state")
                one_seconds, one = timed(lambda: sync_commit(conn, build(changed), cache=cache))
            # The same commit again, as a user runs it: a fresh `portal db sync` process, which validates (warm
            # caches) and finds the marker's input digest current.
            command = [sys.executable, "-m", "reconciler", "db", "sync", str(workdir / "repo")]
            command += ["--database-url", server.conninfo("bench_ours"), "--state-dir", str(workdir / "repo-state")]
            one_shot = run_process(command)
            assert one_shot.returncode == 0
            with psycopg.connect(fresh_database(server, "bench_small")) as conn:
                small_result = sync_commit(conn, build(small))
            peer_seconds, peer_rows, peer_round_trips = peer_insert_row_by_row(
                fresh_database(server, "bench_peer"), validation
            )
        finally:
            server.stop()

    cold_rows = _rows_written(cold)
    targets_met = cold_seconds <= COLD_TARGET and no_op_seconds <= NO_OP_TARGET and one_seconds <= ONE_CHANGE_TARGET
    verdict = "(all targets met)" if targets_met else "(TARGETS MISSED)"
    lines += [
        f"cold sync: {cold_seconds:.2f} s (target ≤ {COLD_TARGET} s): {cold_rows:,} rows incl. {cold.audit_rows:,} "
        f"audit rows, {cold.round_trips} round trips",
        f"no-op sync: {no_op_seconds:.3f} s (target ≤ {NO_OP_TARGET} s): {no_op.status}, "
        f"{no_op.round_trips} round trips",
        f"one changed version: {one_seconds:.3f} s (target ≤ {ONE_CHANGE_TARGET} s): {one.counts}, "
        f"{one.audit_rows} audit row, {one.round_trips} round trips",
        f"informational: `portal db sync` of the already-synced commit in a fresh process (validation and the "
        f"input digest): {one_shot.seconds:.2f} s wall",
        f"round trips do not grow with entities: cold sync of {small_versions:,} versions took "
        f"{small_result.round_trips}, of {versions:,} versions {cold.round_trips}",
        f"cold sync of {cold_rows:,} rows: ours {cold_seconds:.2f} s in {cold.round_trips} round trips; "
        f"peer (one INSERT per row) {peer_seconds:.2f} s for {peer_rows:,} rows in {peer_round_trips:,} round trips; "
        f"ratio {peer_seconds / cold_seconds:.1f}x {verdict}",
    ]
    return lines


if __name__ == "__main__":
    for line in run():
        print(line)
