"""A daemon running in-process against the starter repo as a real git repository, the emulated clusters of the
apply tests and a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pygit2
import pytest
import urllib3

from reconciler.cli.site_writer import daemon_site_builder
from reconciler.daemon.assemble import DaemonOptions, assemble
from reconciler.daemon.coordination import Coordinator, SoloCoordinator
from reconciler.daemon.service import Daemon
from reconciler.settings import ClusterSettings
from sitegen.pages.inputs import SiteOptions
from tests.apply.conftest import CLUSTERS, Platform, start_platform
from tests.apply.test_crash import _expected, _ours_live
from tests.db.conftest import TemplateRepo
from tests.kube_emulator.fixtures import EmulatorCluster, kube_emulators
from tests.pg import PgServer, embedded_pg

__all__ = ["embedded_pg", "kube_emulators"]

GITHUB_SECRET = "github-secret-for-tests"
GITLAB_TOKEN = "gitlab-token-for-tests"
GENERIC_SECRET = "generic-secret-for-tests"
SECRETS = {
    "PORTAL_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET,
    "PORTAL_GITLAB_WEBHOOK_TOKEN": GITLAB_TOKEN,
    "PORTAL_WEBHOOK_SECRET": GENERIC_SECRET,
}
CYCLE_TIMEOUT = 60.0


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class RunningDaemon:
    daemon: Daemon
    platform: Platform
    repo: TemplateRepo
    database: str
    branch: str
    log: io.StringIO
    thread: threading.Thread
    errors: list[BaseException] = field(default_factory=list)

    def url(self, path: str, listener: str = "listen") -> str:
        host, port = self.daemon.bound[listener]
        return f"http://{host}:{port}{path}"

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> urllib3.BaseHTTPResponse:
        return urllib3.request("POST", self.url(path), body=body, headers=dict(headers), timeout=10, retries=False)

    def push_payload(self, ref: str | None = None) -> bytes:
        return json.dumps({"ref": ref or f"refs/heads/{self.branch}", "after": self.repo.head}).encode()

    def github_push(self, delivery: str, body: bytes | None = None, secret: str = GITHUB_SECRET) -> int:
        body = body if body is not None else self.push_payload()
        headers = {
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": signature(secret, body),
            "Content-Type": "application/json",
        }
        return self.post("/hooks/github", body, headers).status

    def metrics(self) -> str:
        return urllib3.request("GET", self.url("/metrics", "metrics"), timeout=10).data.decode()

    def metric(self, name: str, **labels: str) -> float:
        """One sample's value from /metrics (0 when absent)."""
        wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
        prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
        for line in self.metrics().splitlines():
            if line.startswith(prefix):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def wait_cycles(self, count: int) -> None:
        assert self.daemon.wait_for_cycles(count, CYCLE_TIMEOUT), f"no cycle {count} within {CYCLE_TIMEOUT} s"

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def stop(self) -> None:
        self.daemon.request_stop()
        self.thread.join(timeout=CYCLE_TIMEOUT)
        assert not self.thread.is_alive(), "the daemon did not stop"
        if self.errors:
            raise self.errors[0]


def start_daemon(
    platform: Platform,
    repo: TemplateRepo,
    database: str,
    state: Path,
    *,
    interval: float = 3600.0,
    environ: Mapping[str, str] = SECRETS,
    prune: bool = True,
    watch: Path | None = None,
    coordinator: Coordinator | None = None,
    site_out: Path | None = None,
    run_tests: bool = True,
) -> RunningDaemon:
    """A daemon following `repo`'s branch, or with `watch`, reconciling that working tree; with `site_out`, building
    the site of each applied commit there."""
    branch = pygit2.Repository(str(repo.path)).head.shorthand
    log = io.StringIO()
    options = DaemonOptions(
        repo=None if watch else str(repo.path),
        branch=branch,
        watch=watch,
        interval=interval,
        listen=("127.0.0.1", 0),
        metrics_listen=("127.0.0.1", 0),
        clusters=ClusterSettings(kubeconfig=str(platform.kubeconfig)),
        instance="default",
        state_dir=state,
        prune=prune,
        log_format="json",
        database_url=database,
        site_out=site_out,
        run_tests=run_tests,
    )
    daemon = assemble(
        options,
        coordinator or SoloCoordinator(),
        environ,
        no_cluster="no cluster",
        log_stream=log,
        site_builder=daemon_site_builder(SiteOptions(terminal_url="https://portal.example")) if site_out else None,
    )
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            asyncio.run(daemon.serve(handle_signals=False))
        except BaseException as exc:  # reported by stop()
            errors.append(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert daemon.listening.wait(CYCLE_TIMEOUT)
    return RunningDaemon(daemon, platform, repo, database, branch, log, thread, errors)


@pytest.fixture
def daemon_platform(kube_emulators: EmulatorCluster, tmp_path: Path) -> Platform:
    return start_platform(kube_emulators, tmp_path)


@pytest.fixture
def database(embedded_pg: PgServer) -> str:
    return embedded_pg.fresh_database()


@pytest.fixture
def daemon_repo(tmp_path: Path) -> TemplateRepo:
    return TemplateRepo(tmp_path / "platform")


@pytest.fixture
def run_daemon(
    daemon_platform: Platform, daemon_repo: TemplateRepo, database: str, tmp_path: Path
) -> Iterator[Callable[..., RunningDaemon]]:
    started: list[RunningDaemon] = []
    repo = daemon_repo

    def start(**kwargs: Any) -> RunningDaemon:
        running = start_daemon(daemon_platform, repo, database, tmp_path / "state", **kwargs)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.thread.is_alive():
            running.stop()


def assert_live_matches(platform: Platform, files: Mapping[str, str], tmp: Path) -> None:
    """The clusters hold exactly what `files` compiles to: nothing missing, no orphan."""
    tree = tmp / f"expected-{time.monotonic_ns()}"
    for path, text in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(text)
    expected = _expected(tree)
    for name in CLUSTERS:
        assert _ours_live(platform, name) == expected[name], name


def settle(seconds: float = 0.5) -> None:
    """Give a request that should not cause a cycle the time it would take to cause one."""
    time.sleep(seconds)
