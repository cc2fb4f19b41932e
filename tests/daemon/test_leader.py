"""Two replicas electing a leader for real (threads, a child process) on one emulator."""

from __future__ import annotations

import time
from collections.abc import Callable

import kubernetes
import psycopg
import pytest

from reconciler.daemon.leader import LeaderCoordinator
from reconciler.daemon.replicas import coordinator_for
from reconciler.db.fencing import StaleTerm, claim_terms
from tests.daemon.clock import ManualClock
from tests.daemon.replicas import ChildReplica, Coordinator, child_replicas, replicas, wait_for
from tests.daemon.timing import FAST
from tests.kube_emulator.fixtures import EmulatorCluster, kube_emulators
from tests.pg import database_url, pg_server

__all__ = ["child_replicas", "database_url", "kube_emulators", "pg_server", "replicas"]

CLUSTERS = ["mgmt", "dev-eu-1", "prd-eu-1"]


def test_exactly_one_of_two_replicas_leads_and_owns_every_cluster(replicas: Callable[..., Coordinator]) -> None:
    a, b = replicas("a"), replicas("b")
    wait_for(lambda: a.may_write() or b.may_write(), 5, "a leader")
    for _ in range(20):  # over several renewals, never both
        assert [a.may_write(), b.may_write()].count(True) <= 1
        time.sleep(FAST.retry_period / 2)
    wait_for(lambda: a.may_write() or b.may_write(), 5, "a leader")
    leader, standby = (a, b) if a.may_write() else (b, a)
    assert leader.owned_clusters(CLUSTERS) == set(CLUSTERS) and leader.syncs_metadata()
    assert standby.owned_clusters(CLUSTERS) == set() and not standby.syncs_metadata()

    leader.stop()  # a graceful stop hands the lease over at once
    assert wait_for(standby.may_write, FAST.lease_duration, "the standby taking over") < FAST.lease_duration
    assert standby.term() == leader.term() + 1


def test_killing_the_leader_lets_the_standby_take_over_within_the_lease_duration(
    kube_emulators: EmulatorCluster,
    child_replicas: Callable[..., ChildReplica],
    replicas: Callable[..., Coordinator],
) -> None:
    child = child_replicas("child", 1, CLUSTERS)
    child.wait_owning(lambda owned: owned == set(CLUSTERS))
    standby = replicas("standby")
    time.sleep(FAST.lease_duration)
    assert not standby.may_write(), "the leader is alive: the standby waits"

    child.kill()
    killed = time.monotonic()
    wait_for(standby.may_write, FAST.lease_duration + 2 * FAST.retry_period, "the standby taking over")
    # the lease was renewed at most a retry period before the kill, and is then waited out in full
    assert time.monotonic() - killed >= FAST.lease_duration - FAST.retry_period * 1.2
    assert standby.owned_clusters(CLUSTERS) == set(CLUSTERS)
    assert standby.term() == 1


def test_a_paused_old_leaders_database_write_is_refused_after_its_successor_wrote(
    kube_emulators: EmulatorCluster, database_url: str
) -> None:
    kube_emulators("cluster")
    clock = ManualClock()

    def replica(identity: str) -> LeaderCoordinator:
        coordinator = coordinator_for(kube_emulators.api_client("cluster"), "default", identity, clock=clock)
        assert isinstance(coordinator, LeaderCoordinator)
        return coordinator

    old, new = replica("old"), replica("new")
    old.step()
    new.step()
    with psycopg.connect(database_url) as conn:
        with conn.transaction():
            claim_terms(conn, old.fences())  # the old leader wrote as term 0
        clock.advance(old.elector.timing.lease_duration + 1)  # and then was paused
        new.step()
        assert new.may_write() and new.term() == 1
        with conn.transaction():
            claim_terms(conn, new.fences())
        coordination = kubernetes.client.CoordinationV1Api(kube_emulators.api_client("cluster"))
        assert coordination.read_namespaced_lease("portal-default-leader", "default").spec.holder_identity == "new"
        assert not old.may_write()
        refused = pytest.raises(StaleTerm, match="old writes as term 0 of 'leader', but new already wrote as term 1")
        with refused, conn.transaction():
            claim_terms(conn, old.fences())
