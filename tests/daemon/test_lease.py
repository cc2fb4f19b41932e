"""Leader election on a Lease of the emulator: one leader, takeover after expiry, fencing, terms, conflicts."""

from __future__ import annotations

from pathlib import Path

import kubernetes
import pytest

from reconciler.daemon.identity import lease_namespace, replica_identity
from reconciler.daemon.lease import LeaseElector, LeaseTiming
from tests.daemon.clock import ManualClock
from tests.kube_emulator.fixtures import EmulatorCluster, kube_emulator, kube_emulators
from tests.kube_emulator.threaded import EmulatorThread

__all__ = ["kube_emulator", "kube_emulators"]

TIMING = LeaseTiming(lease_duration=15, renew_deadline=10, retry_period=2)
NAMESPACE = "default"


@pytest.fixture()
def coordination(kube_emulators: EmulatorCluster, kube_emulator: EmulatorThread) -> kubernetes.client.CoordinationV1Api:
    return kubernetes.client.CoordinationV1Api(kube_emulators.api_client("cluster"))


def candidates(api: kubernetes.client.CoordinationV1Api, clock: ManualClock, *names: str) -> list[LeaseElector]:
    return [LeaseElector(api, NAMESPACE, "portal-leader", name, TIMING, clock=clock) for name in names]


def lease(api: kubernetes.client.CoordinationV1Api) -> kubernetes.client.V1LeaseSpec:
    spec: kubernetes.client.V1LeaseSpec = api.read_namespaced_lease("portal-leader", NAMESPACE).spec
    return spec


def test_exactly_one_of_two_candidates_leads(coordination: kubernetes.client.CoordinationV1Api) -> None:
    clock = ManualClock()
    a, b = candidates(coordination, clock, "a", "b")
    assert a.try_acquire_or_renew() is True
    assert b.try_acquire_or_renew() is False
    assert (a.may_write(), b.may_write()) == (True, False)
    spec = lease(coordination)
    assert (spec.holder_identity, spec.lease_duration_seconds, spec.lease_transitions) == ("a", 15, 0)
    clock.advance(2)
    assert a.try_acquire_or_renew() is True  # renewing keeps the term
    assert b.try_acquire_or_renew() is False
    assert lease(coordination).lease_transitions == 0


def test_the_standby_takes_over_once_the_lease_expires_and_the_term_increments(
    coordination: kubernetes.client.CoordinationV1Api,
) -> None:
    clock = ManualClock()
    a, b = candidates(coordination, clock, "a", "b")
    a.try_acquire_or_renew()
    b.try_acquire_or_renew()  # b sees a's record now; a then dies and never renews again
    clock.advance(TIMING.lease_duration - 0.5)
    assert b.try_acquire_or_renew() is False, "a's lease has not run out yet"
    clock.advance(1)
    assert b.try_acquire_or_renew() is True
    assert b.may_write() and b.term() == 1
    spec = lease(coordination)
    assert (spec.holder_identity, spec.lease_transitions) == ("b", 1)


def test_a_paused_leader_stops_writing_at_its_renew_deadline_before_anyone_can_take_over(
    coordination: kubernetes.client.CoordinationV1Api,
) -> None:
    clock = ManualClock()
    a, b = candidates(coordination, clock, "a", "b")
    a.try_acquire_or_renew()
    b.try_acquire_or_renew()
    clock.advance(TIMING.renew_deadline - 0.1)
    assert a.may_write()
    clock.advance(0.1)  # paused: no renewal; nothing but the clock moved
    assert a.may_write() is False
    assert b.try_acquire_or_renew() is False, "fenced before the lease can be taken over"
    clock.advance(TIMING.lease_duration)
    assert b.try_acquire_or_renew() is True
    # a wakes up: it reads the Lease, sees b, and stays fenced, keeping its own (old) term for the database.
    assert a.try_acquire_or_renew() is False
    assert (a.may_write(), a.is_leader(), a.term(), b.term()) == (False, False, 0, 1)


def test_a_leader_whose_renewals_fail_is_fenced_by_the_deadline(
    coordination: kubernetes.client.CoordinationV1Api, kube_emulator: EmulatorThread
) -> None:
    clock = ManualClock()
    (a,) = candidates(coordination, clock, "a")
    a.try_acquire_or_renew()
    kube_emulator.faults.fail(503, times=None, path="/leases/")
    clock.advance(TIMING.retry_period)
    assert a.try_acquire_or_renew() is False
    assert a.may_write(), "still within the renew deadline"
    clock.advance(TIMING.renew_deadline)
    assert a.try_acquire_or_renew() is False
    assert (a.may_write(), a.is_leader()) == (False, False)


def test_racing_for_an_expired_lease_only_one_write_wins_by_resource_version(
    coordination: kubernetes.client.CoordinationV1Api,
) -> None:
    clock = ManualClock()
    old, b, c = candidates(coordination, clock, "old", "b", "c")
    old.try_acquire_or_renew()
    b.try_acquire_or_renew()
    c.try_acquire_or_renew()
    clock.advance(TIMING.lease_duration + 1)
    stale = coordination.read_namespaced_lease("portal-leader", NAMESPACE)
    assert b.try_acquire_or_renew() is True
    # c wrote with what it read before b's write: the API server refuses it (409), as it would c's real race.
    stale.spec.holder_identity = "c"
    with pytest.raises(kubernetes.client.ApiException) as refused:
        coordination.replace_namespaced_lease("portal-leader", NAMESPACE, stale)
    assert refused.value.status == 409
    assert c.try_acquire_or_renew() is False
    assert lease(coordination).holder_identity == "b"


def test_release_hands_the_lease_over_at_once_and_fences_first(
    coordination: kubernetes.client.CoordinationV1Api,
) -> None:
    clock = ManualClock()
    a, b = candidates(coordination, clock, "a", "b")
    a.try_acquire_or_renew()
    b.try_acquire_or_renew()
    a.release()
    assert a.may_write() is False
    spec = lease(coordination)
    assert (spec.holder_identity, spec.lease_duration_seconds) == ("", 1)
    assert b.try_acquire_or_renew() is True, "no need to wait out a released lease"
    assert b.term() == 1


@pytest.mark.parametrize(
    ("lease_duration", "renew_deadline", "retry_period"), [(10, 10, 2), (10, 12, 2), (15, 2, 2), (15, 10, 0)]
)
def test_timing_must_leave_the_renew_deadline_inside_the_lease(
    lease_duration: float, renew_deadline: float, retry_period: float
) -> None:
    with pytest.raises(ValueError, match="renew deadline < lease duration"):
        LeaseTiming(lease_duration, renew_deadline, retry_period)


def test_identity_is_the_flag_else_the_pod_name_else_host_and_pid() -> None:
    assert replica_identity("r1", {"POD_NAME": "portal-7d9f"}) == "r1"
    assert replica_identity(None, {"POD_NAME": "portal-7d9f"}) == "portal-7d9f"
    host_and_pid = replica_identity(None, {})
    assert host_and_pid.rsplit("_", 1)[1].isdigit()


def test_the_leases_namespace_is_the_pods(tmp_path: Path) -> None:
    mounted = tmp_path / "namespace"
    mounted.write_text("portal\n")
    assert lease_namespace({"POD_NAMESPACE": "ops"}, mounted) == "ops"
    assert lease_namespace({}, mounted) == "portal"
    assert lease_namespace({}, tmp_path / "absent") == "default"


class ReadsFirst(kubernetes.client.CoordinationV1Api):
    """A client whose next read returns what was read earlier: a candidate that read, then was overtaken."""

    def __init__(self, api_client: kubernetes.client.ApiClient, earlier: kubernetes.client.V1Lease) -> None:
        super().__init__(api_client)
        self.earlier: kubernetes.client.V1Lease | None = earlier

    def read_namespaced_lease(self, *args: object, **kwargs: object) -> kubernetes.client.V1Lease:
        earlier, self.earlier = self.earlier, None
        return earlier or super().read_namespaced_lease(*args, **kwargs)


def test_a_candidate_overtaken_between_its_read_and_its_write_loses_with_a_conflict(
    coordination: kubernetes.client.CoordinationV1Api,
) -> None:
    clock = ManualClock()
    old, b = candidates(coordination, clock, "old", "b")
    old.try_acquire_or_renew()
    b.try_acquire_or_renew()
    clock.advance(TIMING.lease_duration + 1)
    # c had seen old's record go stale too, and read the Lease just before b took it
    read_before = coordination.read_namespaced_lease("portal-leader", NAMESPACE)
    c = LeaseElector(
        ReadsFirst(coordination.api_client, read_before), NAMESPACE, "portal-leader", "c", TIMING, clock=clock
    )
    c.seen.observe(read_before)
    clock.advance(TIMING.lease_duration + 1)
    assert b.try_acquire_or_renew() is True
    assert c.try_acquire_or_renew() is False, "its write carried the resourceVersion b's write replaced: 409"
    assert (c.may_write(), c.term()) == (False, 0)
    spec = lease(coordination)
    assert (spec.holder_identity, spec.lease_transitions) == ("b", 1)


def test_a_second_process_with_the_same_identity_does_not_share_the_lease(
    coordination: kubernetes.client.CoordinationV1Api,
) -> None:
    clock = ManualClock()
    first, second = candidates(coordination, clock, "a", "a")  # a restarted container, or a misconfiguration
    assert first.try_acquire_or_renew() is True
    assert second.try_acquire_or_renew() is False, "the record names 'a', but not in a term this process took"
    clock.advance(TIMING.retry_period)
    assert first.try_acquire_or_renew() is True
    assert second.try_acquire_or_renew() is False
    clock.advance(TIMING.lease_duration + 1)  # the first one is paused past its lease
    assert second.try_acquire_or_renew() is True
    assert second.term() == 1, "a new term, though the holder's name is the same"
    assert first.try_acquire_or_renew() is False
    assert (first.may_write(), first.is_leader(), first.term()) == (False, False, 0)
    assert lease(coordination).lease_transitions == 1


def test_a_fenced_write_gets_half_the_slack_between_renew_deadline_and_lease_duration() -> None:
    """Its head leaves before the renew deadline, a successor writes no sooner than the lease duration: the server
    must be done with it (or refuse it) in between, with room left for the head's transit."""
    assert TIMING.write_timeout == 2.5
    assert LeaseTiming(lease_duration=3.0, renew_deadline=2.0, retry_period=0.4).write_timeout == 0.5
