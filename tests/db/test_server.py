"""The embedded default: started once and reused, unix socket only, safe to start twice at once, stoppable;
an unreachable server is a clear error (exit 2), never a traceback."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from reconciler.db.server import EmbeddedServer
from tests.conftest import REPO_ROOT
from tests.db.conftest import TEMPLATE_ROOT

START = (
    "import sys; from pathlib import Path; from reconciler.db.server import EmbeddedServer; "
    "print(EmbeddedServer.in_state_dir(Path(sys.argv[1])).ensure_running())"
)


def started_at(server: EmbeddedServer) -> object:
    with psycopg.connect(server.conninfo()) as conn:
        row = conn.execute("SELECT pg_postmaster_start_time()").fetchone()
    return row[0] if row else None


def test_the_embedded_default_starts_once_is_reused_and_stops(portal, server_tmp_path: Path) -> None:
    state = server_tmp_path / "state"
    # Two commands starting it at the same moment share one server.
    starters = [
        subprocess.Popen([sys.executable, "-c", START, str(state)], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    urls = {p.communicate(timeout=60)[0].strip() for p in starters}
    assert all(p.returncode == 0 for p in starters)
    server = EmbeddedServer.in_state_dir(state)
    assert urls == {server.conninfo()}
    started = started_at(server)

    try:
        first = portal("db", "sync", TEMPLATE_ROOT, "--state-dir", state)
        assert first.code == 0, first.err
        assert f"embedded PostgreSQL in {server.root} (running)" in first.err  # which server, said every time
        assert started_at(server) == started  # reused, not restarted
        status = portal("db", "status", "--state-dir", state)
        assert status.code == 0
        assert "artifact_versions" in status.out

        with psycopg.connect(server.conninfo()) as conn:
            assert conn.execute("SHOW listen_addresses").fetchone() == ("",)  # no TCP port at all
        assert stat.S_IMODE(server.socket_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE(server.root.stat().st_mode) == 0o700
    finally:
        stopped = portal("db", "stop", "--state-dir", state)
    assert stopped.code == 0 and "stopped" in stopped.out
    assert not server.is_running()
    assert "no embedded server" in portal("db", "stop", "--state-dir", state).out
    restarted = portal("db", "status", "--state-dir", state)
    assert restarted.code == 0 and f"embedded PostgreSQL in {server.root} (started)" in restarted.err
    assert portal("db", "stop", "--state-dir", state).code == 0


def test_an_unreachable_server_is_a_clear_error(portal, tmp_path: Path) -> None:
    url = f"host={tmp_path} port=5432 dbname=portal user=postgres"
    for args in (("db", "status"), ("db", "migrate"), ("db", "sync", str(TEMPLATE_ROOT))):
        result = portal(*args, "--database-url", url)
        assert result.code == 2, args
        assert result.err.startswith("portal: error: cannot connect to PostgreSQL at"), result.err
        assert "Traceback" not in result.err


def test_a_malformed_url_is_a_clear_error(portal, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql://[broken")
    result = portal("db", "status")
    assert result.code == 2
    assert "invalid database URL" in result.err or "cannot connect" in result.err
    assert "Traceback" not in result.err


PASSWORD = "hunter2-canary"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://bob:{PASSWORD}@[broken/portal",
        f"postgresql://bob:{PASSWORD}@localhost/portal?nonsense=1",
        f"postgresql://bob:{PASSWORD} x@localhost/portal",
        f"postgresql://bob:{PASSWORD}@x@localhost/portal?nonsense=1",
        f"postgresql://bob:{PASSWORD.replace('-', '%2D')}@localhost/portal?nonsense=1",
        f"host=/nonexistent port=abc password={PASSWORD}",
        f"host=/nonexistent password='{PASSWORD} x' port=abc",
        f"postgresql:///portal?host=/nonexistent&password={PASSWORD}&port=abc",
    ],
)
def test_a_database_url_password_is_never_shown(url: str, portal, monkeypatch) -> None:
    from_flag = portal("db", "status", "--database-url", url)
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    from_env = portal("db", "migrate")
    for result in (from_flag, from_env):
        assert result.code == 2
        assert result.err.startswith("portal: error: "), result.err
        assert PASSWORD not in result.out + result.err and "2Dcanary" not in result.err, result.err
