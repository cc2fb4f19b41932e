"""The database step of `portal reconcile`: sync the commit's metadata, and record the run and each cluster's
outcome (reconcile_runs, cluster_status) for the site and the daemon. The daemon also records a commit it
refused (`record_invalid_commit`) and reads the recorded registry before judging a commit (`recorded_registry`).

None of them raises for an unreachable database or a too new schema: each returns the problem, and
the caller (the reconcile already applied to the clusters) reports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import psycopg

from reconciler.build import Build
from reconciler.db.connection import open_database
from reconciler.db.errors import DatabaseUnavailable, InvalidCommit, SchemaTooNew
from reconciler.db.fencing import Fence, StaleTerm
from reconciler.db.outcome import cluster_outcome
from reconciler.db.rows import RowCache
from reconciler.db.status import finish_reconcile_run, start_reconcile_run
from reconciler.db.sync import read_recorded_registry, sync_commit
from reconciler.settings import DatabaseSettings
from reconciler.state_dir import StateDir

if TYPE_CHECKING:  # the kube package is only needed for its types here
    from reconciler.kube.cluster_reconcile import ClusterReport
    from reconciler.model.recorded import RecordedRegistry


def record_reconcile(
    database: DatabaseSettings,
    state_dir: StateDir,
    built: Build,
    reports: Sequence[ClusterReport],
    *,
    trigger: str = "reconcile",
    cache: RowCache | None = None,
    fences: Sequence[Fence] = (),
    sync_metadata: bool = True,
) -> str | None:
    """Sync the build's commit (unless `sync_metadata` is False: another replica syncs it) and record this run;
    returns a problem to report, or None.

    The database is `database.url`, else PORTAL_DATABASE_URL, else the embedded server in `state_dir`. A daemon
    replica passes its `fences` (nothing is written once a higher term has written) and, when another replica
    syncs the metadata (a shard other than shard 0), `sync_metadata=False`.
    """
    validation = built.validation
    try:
        conn = open_database(database.url, state_dir.root)
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        return f"results were not recorded in PostgreSQL: {exc}"
    with conn:
        try:
            run_id = start_reconcile_run(conn, validation.source.commit, trigger, fences)
            errors: list[str] = []
            summary: dict[str, Any] = {"sync": "skipped"}
            try:
                if sync_metadata:
                    synced = sync_commit(conn, built, cache=cache, fences=fences)
                    summary = {"sync": synced.status, "changes": synced.audit_rows, "counts": synced.counts}
            except InvalidCommit as exc:
                conn.rollback()
                summary, errors = {"sync": "refused"}, [str(exc)]
            outcomes = [cluster_outcome(r) for r in reports]
            errors += [f"{o.cluster}: {o.message}" for o in outcomes if o.result == "failed" and o.message]
            summary["clusters"] = len(outcomes)
            finish_reconcile_run(
                conn,
                run_id,
                succeeded=not errors and all(o.result == "applied" for o in outcomes),
                clusters=outcomes,
                summary=summary,
                errors=errors,
                fences=fences,
            )
        except StaleTerm as exc:
            return f"results were not recorded in PostgreSQL: {exc}"
        except psycopg.Error as exc:
            return f"results were not recorded in PostgreSQL: {str(exc).strip()}"
    return None


def record_invalid_commit(
    database: DatabaseSettings,
    state_dir: StateDir,
    commit: str,
    findings: Sequence[str],
    *,
    trigger: str,
    fences: Sequence[Fence] = (),
) -> str | None:
    """Record a commit that was refused before anything was applied: a failed run with its findings, no cluster
    touched (each keeps its last commit). Returns a problem to report, or None. `fences` as for
    `record_reconcile`: a replica whose term was overtaken records nothing."""
    try:
        conn = open_database(database.url, state_dir.root)
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        return f"results were not recorded in PostgreSQL: {exc}"
    with conn:
        try:
            run_id = start_reconcile_run(conn, commit, trigger, fences)
            summary: dict[str, Any] = {"sync": "refused", "invalid": len(findings)}
            finish_reconcile_run(conn, run_id, succeeded=False, summary=summary, errors=findings, fences=fences)
        except StaleTerm as exc:
            return f"results were not recorded in PostgreSQL: {exc}"
        except psycopg.Error as exc:
            return f"results were not recorded in PostgreSQL: {str(exc).strip()}"
    return None


def recorded_registry(database: DatabaseSettings, state_dir: StateDir) -> tuple[RecordedRegistry | None, str | None]:
    """What the database recorded of the registry (for validation: a key stays with its team), or the problem
    that kept it from being read."""
    try:
        conn = open_database(database.url, state_dir.root)
    except (DatabaseUnavailable, SchemaTooNew) as exc:
        return None, f"the recorded registry was not read: {exc}"
    try:
        return read_recorded_registry(conn), None
    except psycopg.Error as exc:
        return None, f"the recorded registry was not read: {str(exc).strip()}"
    finally:
        conn.close()
