"""A sync killed inside its transaction leaves the previous commit; two syncs at once serialize."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.conftest import REPO_ROOT
from tests.db.conftest import TemplateRepo, without_vpc

Query = Callable[..., list[tuple]]
WAIT_SECONDS = 30


def start_sync(repo: TemplateRepo, url: str, state_dir: Path, pause: Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PORTAL_STATE_DIR": str(state_dir)}
    env.pop("PORTAL_DB_SYNC_PAUSE", None)
    if pause is not None:
        env["PORTAL_DB_SYNC_PAUSE"] = str(pause)
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "db", "sync", "--repo", str(repo.path), "--database-url", url],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def synced_commit(url: str) -> str | None:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT commit_sha FROM sync_state").fetchone()
    return row[0] if row else None


def test_a_sync_killed_mid_transaction_leaves_the_previous_commit(
    portal, template_repo: TemplateRepo, database_url: str, query: Query, tmp_path: Path
) -> None:
    assert portal("db", "sync", "--repo", template_repo.path, "--database-url", database_url).code == 0
    previous = template_repo.head
    audit_rows = query("SELECT count(*) FROM audit_logs")
    template_repo.commit(without_vpc(template_repo.files, "pipelines/app-logs.yaml"))

    pause = tmp_path / "paused"
    process = start_sync(template_repo, database_url, tmp_path / "state", pause)
    wait_for(lambda: pause.exists() or process.poll() is not None, "the sync to pause")
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGKILL)
    process.wait()

    wait_for(lambda: not query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"), "the killed transaction to end")
    assert synced_commit(database_url) == previous
    assert query("SELECT status FROM artifacts WHERE document_name = 'vpc'") == [("active",)]
    assert query("SELECT status FROM pipelines WHERE name = 'app-logs'") == [("active",)]
    assert query("SELECT count(*) FROM audit_logs") == audit_rows

    rerun = portal("db", "sync", "--repo", template_repo.path, "--database-url", database_url)
    assert rerun.code == 0, rerun.err
    assert synced_commit(database_url) == template_repo.head
    assert query("SELECT status FROM artifacts WHERE document_name = 'vpc'") == [("archived",)]
    assert query("SELECT status FROM pipelines WHERE name = 'app-logs'") == [("archived",)]


def test_two_syncs_at_once_serialize_on_the_advisory_lock(
    template_repo: TemplateRepo, database_url: str, query: Query, tmp_path: Path
) -> None:
    pause = tmp_path / "paused"
    first = start_sync(template_repo, database_url, tmp_path / "state-1", pause)
    wait_for(lambda: pause.exists() or first.poll() is not None, "the first sync to pause")
    assert first.poll() is None, first.communicate()

    second = start_sync(template_repo, database_url, tmp_path / "state-2")
    wait_for(
        lambda: bool(query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")),
        "the second sync to wait for the lock",
    )
    assert second.poll() is None  # still waiting: the first holds the lock

    pause.unlink()
    first_out, first_err = first.communicate(timeout=WAIT_SECONDS)
    second_out, second_err = second.communicate(timeout=WAIT_SECONDS)
    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    assert "synced " in first_out
    assert "already synced" in second_out  # it waited, then found the commit synced
    assert query("SELECT count(*) FROM sync_runs") == [(1,)]
    assert synced_commit(database_url) == template_repo.head
