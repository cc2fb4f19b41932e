"""Replicas of `portal daemon` as real processes electing over Leases on the management emulator (the current
context of the kubeconfig): one acts, the other takes over when it dies, a paused one writes nothing when it wakes,
and with `--shards 2` each cluster has exactly one writer."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.daemon.sharding import shard_of
from reconciler.daemon.ticker import JITTER
from tests.apply.conftest import CLUSTERS, Platform
from tests.apply.test_crash import _expected, _ours_live
from tests.daemon.process import START_TIMEOUT, DaemonProcess, object_writes
from tests.daemon.replicas import wait_for
from tests.daemon.timing import FAST
from tests.db.conftest import TemplateRepo, edited, without

SECRET = "generic-secret-for-replicas"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
LEASE_OPTIONS = (
    f"--leader-elect-lease-duration={FAST.lease_duration:g}s",
    f"--leader-elect-renew-deadline={FAST.renew_deadline:g}s",
    f"--leader-elect-retry-period={FAST.retry_period:g}s",
)
# From the last renewal a standby saw to its takeover: a lease duration, then its next try (and the request).
TAKEOVER_SECONDS = FAST.lease_duration + FAST.retry_period * JITTER + 1.0


def _environ() -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("KUBERNETES_SERVICE_HOST", "POD_NAME")}
    return {**environ, "POD_NAMESPACE": "default", "PORTAL_WEBHOOK_SECRET": SECRET}


@pytest.fixture
def replica(
    daemon_platform: Platform, daemon_repo: TemplateRepo, database: str, tmp_path: Path
) -> Iterator[Callable[..., DaemonProcess]]:
    started: list[DaemonProcess] = []

    def start(identity: str, *options: str) -> DaemonProcess:
        state = tmp_path / f"state-{identity}"  # each pod has its own emptyDir
        process = DaemonProcess(
            daemon_platform,
            daemon_repo,
            state,
            f"--identity={identity}",
            *LEASE_OPTIONS,
            *options,
            database=database,
            environ=_environ(),
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


def _holder(platform: Platform, lease: str) -> str:
    body = platform.get("mgmt", f"{LEASES}/{lease}") or {}
    return str((body.get("spec") or {}).get("holderIdentity") or "")


def _converged(platform: Platform, files: dict[str, str], tmp: Path) -> Callable[[], bool]:
    tree = tmp / f"expected-{time.monotonic_ns()}"
    for path, text in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(text)
    expected = _expected(tree)
    return lambda: all(_ours_live(platform, name) == expected[name] for name in CLUSTERS)


def _query(database: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(database, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def _recorded(database: str, commit: str) -> Callable[[], bool]:
    sql = "SELECT count(*) FROM reconcile_runs WHERE commit_sha = %s AND status <> 'running'"
    return lambda: _query(database, sql, (commit,))[0][0] > 0


def _database_state(database: str) -> list[list[tuple[Any, ...]]]:
    return [
        _query(database, "SELECT id, status, finished_at FROM reconcile_runs ORDER BY id"),
        _query(database, "SELECT id, status FROM sync_runs ORDER BY id"),
        _query(database, "SELECT scope, term, holder FROM leader_terms ORDER BY scope"),
        _query(database, "SELECT cluster, last_commit, result FROM cluster_status ORDER BY cluster"),
    ]


def _a_change_on_every_cluster(repo: TemplateRepo) -> dict[str, str]:
    """A workspace (on mgmt) and a dev pipeline (on dev-eu-1) edited, the aggregator pipeline (on prd-eu-1)
    removed."""
    files = edited(repo.files, "workspaces/omar-oncall.yaml", "idleTimeout: 1h", "idleTimeout: 2h")
    files = edited(files, "pipelines/error-routing.yaml", "acme-dev-log-archive", "acme-dev-log-archive-2")
    return without(files, "pipelines/observability-aggregator.yaml")


def _leader_and_standby(
    platform: Platform, processes: dict[str, DaemonProcess], repo: TemplateRepo, tmp: Path
) -> tuple[DaemonProcess, DaemonProcess]:
    for process in processes.values():
        process.wait_ready()
    wait_for(lambda: _holder(platform, "portal-default-leader") in processes, TAKEOVER_SECONDS, "a leader")
    wait_for(_converged(platform, repo.files, tmp), START_TIMEOUT, "the leader applied the starter repo")
    leader = processes[_holder(platform, "portal-default-leader")]
    (standby,) = (p for p in processes.values() if p is not leader)
    return leader, standby


def test_of_two_replicas_exactly_one_writes_to_the_clusters_and_records(
    replica: Callable[..., DaemonProcess],
    daemon_platform: Platform,
    daemon_repo: TemplateRepo,
    database: str,
    tmp_path: Path,
) -> None:
    processes = {name: replica(name, "--leader-elect") for name in ("replica-a", "replica-b")}
    leader, standby = _leader_and_standby(daemon_platform, processes, daemon_repo, tmp_path)
    head = daemon_repo.commit(_a_change_on_every_cluster(daemon_repo))
    for process in processes.values():
        process.push(SECRET)
    wait_for(_converged(daemon_platform, daemon_repo.files, tmp_path), START_TIMEOUT, "the change applied")
    wait_for(_recorded(database, head), START_TIMEOUT, "the change recorded")
    wait_for(lambda: standby.cycles("webhook") >= 1, START_TIMEOUT, "the standby's cycle")
    assert set(leader.objects_by_cluster()) == set(CLUSTERS)
    assert sum(standby.objects_by_cluster().values()) == 0
    assert not standby.events("took over")
    assert all(event["message"].endswith(" to 0 cluster(s)") for event in standby.events("applied"))
    leader_name = _holder(daemon_platform, "portal-default-leader")
    assert _query(database, "SELECT scope, holder FROM leader_terms") == [("leader", leader_name)]
    terms = _query(database, "SELECT DISTINCT terms FROM reconcile_runs")
    assert len(terms) == 1 and set(terms[0][0]) == {"leader"}


def test_when_the_leader_is_killed_the_standby_takes_over_within_the_lease_duration(
    replica: Callable[..., DaemonProcess],
    daemon_platform: Platform,
    daemon_repo: TemplateRepo,
    database: str,
    tmp_path: Path,
) -> None:
    processes = {name: replica(name, "--leader-elect") for name in ("replica-a", "replica-b")}
    leader, standby = _leader_and_standby(daemon_platform, processes, daemon_repo, tmp_path)
    head = daemon_repo.commit(_a_change_on_every_cluster(daemon_repo))
    daemon_platform.reset_counters()
    leader.push(SECRET)
    wait_for(lambda: object_writes(daemon_platform) >= 1, START_TIMEOUT, "the leader writing the change")
    leader.process.kill()  # SIGKILL, mid-apply: no Lease handed over
    killed = time.monotonic()
    leader.process.wait(timeout=START_TIMEOUT)
    standby_name = next(name for name, p in processes.items() if p is standby)
    wait_for(
        lambda: _holder(daemon_platform, "portal-default-leader") == standby_name, 2 * TAKEOVER_SECONDS, "takeover"
    )
    assert time.monotonic() - killed <= TAKEOVER_SECONDS
    wait_for(_converged(daemon_platform, daemon_repo.files, tmp_path), START_TIMEOUT, "the standby applied it")
    wait_for(_recorded(database, head), START_TIMEOUT, "the standby recorded it")
    assert standby.cycles("takeover") >= 1
    for name in CLUSTERS:
        lines = daemon_platform.inventory(name)
        assert len(lines) == len(set(lines)) == len(_ours_live(daemon_platform, name)), name


def test_a_leader_paused_past_its_lease_writes_nothing_when_it_wakes(
    replica: Callable[..., DaemonProcess],
    daemon_platform: Platform,
    daemon_repo: TemplateRepo,
    database: str,
    tmp_path: Path,
) -> None:
    processes = {name: replica(name, "--leader-elect") for name in ("replica-a", "replica-b")}
    leader, standby = _leader_and_standby(daemon_platform, processes, daemon_repo, tmp_path)
    standby_name = next(name for name, p in processes.items() if p is standby)
    head = daemon_repo.commit(_a_change_on_every_cluster(daemon_repo))
    daemon_platform.reset_counters()
    leader.push(SECRET)
    wait_for(lambda: object_writes(daemon_platform) >= 1, START_TIMEOUT, "the leader writing the change")
    leader.process.send_signal(signal.SIGSTOP)  # mid-apply, holding the Lease
    wait_for(
        lambda: _holder(daemon_platform, "portal-default-leader") == standby_name, 2 * TAKEOVER_SECONDS, "takeover"
    )
    wait_for(_converged(daemon_platform, daemon_repo.files, tmp_path), START_TIMEOUT, "the standby applied it")
    wait_for(_recorded(database, head), START_TIMEOUT, "the standby recorded it")
    wait_for(lambda: standby.ready() and standby.cycles("takeover") >= 1, START_TIMEOUT, "the standby's cycle")
    before = _database_state(database)
    daemon_platform.reset_counters()
    leader.process.send_signal(signal.SIGCONT)
    wait_for(lambda: leader.cycles("webhook") >= 1, START_TIMEOUT, "the old leader's cycle in flight to end")
    time.sleep(2 * FAST.retry_period)  # and its election to look at the Lease again
    assert object_writes(daemon_platform) == 0
    assert _database_state(database) == before
    assert _holder(daemon_platform, "portal-default-leader") == standby_name
    wait_for(_converged(daemon_platform, daemon_repo.files, tmp_path), 1.0, "the clusters at the commit")


def test_two_shards_give_each_cluster_one_writer_and_a_dead_replicas_shard_moves(
    replica: Callable[..., DaemonProcess],
    daemon_platform: Platform,
    daemon_repo: TemplateRepo,
    database: str,
    tmp_path: Path,
) -> None:
    processes = {name: replica(name, "--shards=2") for name in ("replica-a", "replica-b")}
    for process in processes.values():
        process.wait_ready()
    shards = [f"portal-default-shard-{i}" for i in range(2)]
    split = lambda: {_holder(daemon_platform, s) for s in shards} == set(processes)  # noqa: E731
    wait_for(split, 4 * TAKEOVER_SECONDS, "one shard per replica")
    wait_for(_converged(daemon_platform, daemon_repo.files, tmp_path), START_TIMEOUT, "the starter repo applied")
    owner = {cluster: processes[_holder(daemon_platform, shards[shard_of(cluster, 2)])] for cluster in CLUSTERS}
    for process in processes.values():
        wait_for(lambda p=process: _settled(p), START_TIMEOUT, "the takeovers of the split done")
    before = {name: p.objects_by_cluster() for name, p in processes.items()}
    head = daemon_repo.commit(_a_change_on_every_cluster(daemon_repo))
    for process in processes.values():
        process.push(SECRET)
    wait_for(_converged(daemon_platform, daemon_repo.files, tmp_path), START_TIMEOUT, "the change applied")
    for process in processes.values():
        wait_for(lambda p=process: p.cycles("webhook") >= 1, START_TIMEOUT, "each replica's cycle")
    for name, process in processes.items():
        after = process.objects_by_cluster()
        wrote = {c for c in CLUSTERS if after.get(c, 0) > before[name].get(c, 0)}
        assert wrote == {c for c in CLUSTERS if owner[c] is process}, name
    assert _recorded(database, head)()

    victim = owner["prd-eu-1"]
    (survivor,) = (p for p in processes.values() if p is not victim)
    victim.process.kill()
    victim.process.wait(timeout=START_TIMEOUT)
    survivor_name = next(name for name, p in processes.items() if p is survivor)
    wait_for(
        lambda: {_holder(daemon_platform, s) for s in shards} == {survivor_name}, 4 * TAKEOVER_SECONDS, "both shards"
    )
    wait_for(lambda: bool(survivor.events("took over")), START_TIMEOUT, "the survivor took the shard over")
    taken = {c for event in survivor.events("took over") for c in event["clusters"]}
    assert {c for c in CLUSTERS if owner[c] is victim} <= taken
    daemon_repo.commit(edited(daemon_repo.files, "workspaces/omar-oncall.yaml", "idleTimeout: 2h", "idleTimeout: 3h"))
    daemon_platform.reset_counters()
    survivor.push(SECRET)
    wait_for(_converged(daemon_platform, daemon_repo.files, tmp_path), START_TIMEOUT, "the survivor applied it all")


def _settled(process: DaemonProcess) -> bool:
    """The replica's last cycle ended after its last takeover began."""
    return process.cycles("takeover") >= len(process.events("took over"))
