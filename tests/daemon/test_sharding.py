"""Shards of the clusters shared out among replicas: stable assignment, balance, and a dead replica's shards moving."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

import kubernetes
import pytest

from reconciler.daemon.replicas import coordinator_for
from reconciler.daemon.sharding import ShardCoordinator, member_lease_name, shard_of
from tests.conftest import REPO_ROOT
from tests.daemon.clock import ManualClock
from tests.daemon.replicas import ChildReplica, Coordinator, child_replicas, replicas, wait_for
from tests.daemon.timing import FAST
from tests.kube_emulator.fixtures import EmulatorCluster, kube_emulators

__all__ = ["child_replicas", "kube_emulators", "replicas"]

CLUSTERS = ["mgmt", "dev-eu-1", "prd-eu-1", "dev-us-1", "prd-us-1", "stg-eu-1"]


def test_a_clusters_shard_is_a_stable_hash_of_its_name() -> None:
    assert [shard_of(c, 2) for c in CLUSTERS] == [1, 1, 0, 0, 1, 0]
    assert [shard_of(c, 4) for c in CLUSTERS] == [1, 3, 2, 2, 1, 0]
    # the same in another interpreter, whatever its hash seed (Python's hash() of a str is not)
    script = f"from reconciler.daemon.sharding import shard_of; print([shard_of(c, 4) for c in {CLUSTERS!r}])"
    env = {"PYTHONHASHSEED": "12345", "PATH": ""}
    other = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert other.stdout.strip() == "[1, 3, 2, 2, 1, 0]"
    spread = [shard_of(f"cluster-{i}", 8) for i in range(800)]
    assert all(60 <= spread.count(s) <= 140 for s in range(8))


def stepped(api_client: kubernetes.client.ApiClient, clock: ManualClock, *identities: str) -> list[ShardCoordinator]:
    coordinators = []
    for identity in identities:
        coordinator = coordinator_for(api_client, "default", identity, 2, clock=clock)
        assert isinstance(coordinator, ShardCoordinator)
        coordinators.append(coordinator)
    return coordinators


def owners(coordinators: list[ShardCoordinator]) -> dict[str, list[str]]:
    return {c: [r.identity for r in coordinators if c in r.owned_clusters(CLUSTERS)] for c in CLUSTERS}


def test_a_second_replica_gets_its_share_and_a_dead_ones_shards_move(kube_emulators: EmulatorCluster) -> None:
    kube_emulators("cluster")
    clock = ManualClock()
    a, b = stepped(kube_emulators.api_client("cluster"), clock, "a", "b")
    a.step()
    assert a.writable_shards() == {0, 1}, "alone, a replica takes every shard"
    assert a.syncs_metadata() and a.owned_clusters(CLUSTERS) == set(CLUSTERS)

    b.step()  # b announces itself; every shard is held
    assert b.writable_shards() == set()
    clock.advance(FAST.retry_period)
    a.step()  # a sees two live replicas: a share of one, so it hands a shard back
    b.step()
    assert (a.writable_shards(), b.writable_shards()) == ({0}, {1})
    assert all(len(holders) == 1 for holders in owners([a, b]).values()), owners([a, b])
    assert (a.syncs_metadata(), b.syncs_metadata()) == (True, False)
    for _ in range(3):  # stable while both live
        clock.advance(FAST.retry_period)
        a.step()
        b.step()
        assert (a.writable_shards(), b.writable_shards()) == ({0}, {1})

    # b dies: a takes shard 1 once it has seen b's leases go unrenewed for a lease duration
    died = clock.now
    while a.writable_shards() == {0}:
        clock.advance(a.timing.retry_period)
        a.step()
        assert clock.now - died <= a.timing.lease_duration + 2 * a.timing.retry_period
    assert a.writable_shards() == {0, 1}
    assert clock.now - died > a.timing.lease_duration
    assert a.electors[1].term() == 2  # a, then b, then a again
    assert b.may_write() is False


@pytest.mark.parametrize("replica_count", [3, 4])
def test_shards_are_balanced_over_the_live_replicas(kube_emulators: EmulatorCluster, replica_count: int) -> None:
    kube_emulators("cluster")
    clock = ManualClock()
    names = [f"r{i}" for i in range(replica_count)]
    group = [coordinator_for(kube_emulators.api_client("cluster"), "default", name, 5, clock=clock) for name in names]
    for _ in range(6):
        for coordinator in group:
            coordinator.step()
        clock.advance(FAST.retry_period)
    held = [coordinator.writable_shards() for coordinator in group]  # type: ignore[union-attr]
    assert sorted(s for shards in held for s in shards) == [0, 1, 2, 3, 4]
    assert sorted(len(shards) for shards in held) == sorted(
        5 // replica_count + (i < 5 % replica_count) for i in range(replica_count)
    ), held


def test_member_lease_names_are_valid_whatever_the_identity() -> None:
    name = member_lease_name("default", "Host_Name.example:1234")
    assert name.startswith("portal-default-member-") and name == name.lower() and len(name) < 64


def test_two_replicas_split_the_clusters_and_killing_one_moves_its_shard(
    child_replicas: Callable[..., ChildReplica], replicas: Callable[..., Coordinator]
) -> None:
    child = child_replicas("child", 2, CLUSTERS)
    child.wait_owning(lambda owned: owned == set(CLUSTERS))
    parent = replicas("parent", 2)
    child.wait_owning(lambda owned: 0 < len(owned) < len(CLUSTERS))
    wait_for(lambda: len(parent.owned_clusters(CLUSTERS)) > 0, 10, "the second replica getting a shard")
    time.sleep(FAST.retry_period * 2)
    child.wait_owning(lambda owned: owned.isdisjoint(parent.owned_clusters(CLUSTERS)))
    assert child.owned | parent.owned_clusters(CLUSTERS) == set(CLUSTERS)

    child.kill()
    wait_for(
        lambda: parent.owned_clusters(CLUSTERS) == set(CLUSTERS),
        FAST.lease_duration + 4 * FAST.retry_period,
        "the dead replica's shard moving",
    )


def member_leases(api_client: kubernetes.client.ApiClient) -> set[str]:
    api = kubernetes.client.CoordinationV1Api(api_client)
    leases = api.list_namespaced_lease("default", label_selector="portal.butlerlabs.dev/lease-role=member").items
    return {lease.spec.holder_identity for lease in leases}


def test_the_member_lease_of_a_replica_gone_for_good_is_deleted_and_a_live_ones_is_not(
    kube_emulators: EmulatorCluster,
) -> None:
    kube_emulators("cluster")
    client = kube_emulators.api_client("cluster")
    clock = ManualClock()
    a, b, gone = stepped(client, clock, "a", "b", "gone")
    for replica in (a, b, gone):
        replica.step()
    assert member_leases(client) == {"a", "b", "gone"}
    # "gone" never renews again; a and b first saw its Lease at their next step, and keep it ten lease durations
    for _ in range(11):
        clock.advance(a.timing.lease_duration)
        a.step()
        b.step()
        assert member_leases(client) == {"a", "b", "gone"}
    clock.advance(1)
    a.step()
    assert member_leases(client) == {"a", "b"}
    b.step()  # b finds it gone too, and forgets it without a request that fails
    assert b.live_replicas() == ["a", "b"]


def test_a_clusters_writes_are_fenced_by_its_own_shards_lease(kube_emulators: EmulatorCluster) -> None:
    """A replica whose renewals of shard 1 stopped while those of shard 0 go on must stop writing to shard 1's
    clusters at its renew deadline, whatever it still holds."""
    kube_emulators("cluster")
    clock = ManualClock()
    (a,) = stepped(kube_emulators.api_client("cluster"), clock, "a")
    a.step()
    assert a.writable_shards() == {0, 1}
    clock.advance(a.timing.renew_deadline * 0.6)
    assert a.electors[0].try_acquire_or_renew()  # shard 1 is not renewed (its requests fail, say)
    clock.advance(a.timing.renew_deadline * 0.6)
    assert a.may_write() and a.writable_shards() == {0}
    in_shard = {shard_of(c, 2): c for c in CLUSTERS}
    assert a.write_fence(in_shard[0]).allows()
    assert not a.write_fence(in_shard[1]).allows()
    assert a.write_fence(in_shard[1]).server_timeout == a.timing.write_timeout
