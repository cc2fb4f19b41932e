"""Leader election on one `coordination.k8s.io/v1` Lease, as client-go's leaderelection does it.

A candidate reads the Lease; it may take it when nobody holds it, or when the record it observed has not changed
for a whole lease duration (measured on its own monotonic clock from when it saw the record change, never from
the times written in the record, so clock skew between hosts does not matter). Every write carries the
resourceVersion that was read, so of two candidates racing for an expired Lease the API server lets one win (the
other gets 409 Conflict). Each change of holder increments `leaseTransitions`: that count is the leader's term.

Fencing: `may_write()` is true only while the last successful renewal started less than the renew deadline ago.
Another candidate can take over no sooner than a lease duration after it saw that renewal, and the renew deadline
is shorter, so a leader that is paused (or cut off) stops writing before anyone else may start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import kubernetes
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
# What a failed read or write of a Lease may raise: the API's answer, or no answer at all.
LEASE_ERRORS = (ApiException, HTTPError, OSError)


@dataclass(frozen=True, slots=True)
class LeaseTiming:
    """client-go's three durations (defaults as its controllers use: 15 s, 10 s, 2 s)."""

    lease_duration: float = 15.0  # how long a record unchanged means its holder is gone
    renew_deadline: float = 10.0  # how long the leader keeps writing without a successful renewal
    retry_period: float = 2.0  # how often candidates try and the leader renews

    def __post_init__(self) -> None:
        if not 0 < self.retry_period * 1.2 < self.renew_deadline < self.lease_duration:
            raise ValueError(
                "lease timing must satisfy 1.2 × retry period < renew deadline < lease duration "
                f"(got {self.retry_period:g}s, {self.renew_deadline:g}s, {self.lease_duration:g}s)"
            )

    @property
    def write_timeout(self) -> float:
        """How long the API server is given to execute a fenced write from when its head arrives (its `timeout`):
        the head leaves before the renew deadline and no successor writes before the lease duration; half of
        that slack, the other half for the head's transit."""
        return (self.lease_duration - self.renew_deadline) / 2

    @property
    def request_timeout(self) -> float:
        """A request may not outlast the time a renewal has left."""
        return max(self.renew_deadline - self.retry_period, self.retry_period) / 2


@dataclass(frozen=True, slots=True)
class LeaseRecord:
    """The part of a Lease the election reads and writes."""

    holder: str
    lease_duration_seconds: int
    transitions: int
    acquire_time: datetime | None = None
    renew_time: datetime | None = None

    @classmethod
    def from_lease(cls, lease: kubernetes.client.V1Lease) -> LeaseRecord:
        spec = lease.spec or kubernetes.client.V1LeaseSpec()
        return cls(
            holder=spec.holder_identity or "",
            lease_duration_seconds=int(spec.lease_duration_seconds or 0),
            transitions=int(spec.lease_transitions or 0),
            acquire_time=spec.acquire_time,
            renew_time=spec.renew_time,
        )

    def to_spec(self) -> kubernetes.client.V1LeaseSpec:
        return kubernetes.client.V1LeaseSpec(
            holder_identity=self.holder,
            lease_duration_seconds=self.lease_duration_seconds,
            lease_transitions=self.transitions,
            acquire_time=self.acquire_time,
            renew_time=self.renew_time,
        )


def lease_name(instance: str, role: str) -> str:
    """`portal-<instance>-<role>`: replicas of one instance (`--instance`) share Leases, other instances do not."""
    return f"portal-{instance}-{role}"


def _seconds(duration: float) -> int:
    return max(1, round(duration))


class LeaseObserver:
    """What a Lease was last seen to hold, and since when on the local monotonic clock: a holder counts as live
    until its record has stayed unchanged (the same resourceVersion) for its lease duration."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._record: LeaseRecord | None = None
        self._version: str | None = None
        self._since = 0.0

    @property
    def record(self) -> LeaseRecord | None:
        with self._lock:
            return self._record

    def observe(self, lease: kubernetes.client.V1Lease) -> None:
        """Take note of a Lease as read; an unchanged one keeps the time it was first seen so."""
        version = lease.metadata.resource_version
        with self._lock:
            if version != self._version:
                self._record, self._version, self._since = LeaseRecord.from_lease(lease), version, self._clock()

    @property
    def version(self) -> str | None:
        with self._lock:
            return self._version

    def unchanged_for(self) -> float:
        """Seconds since the Lease was last seen to change."""
        with self._lock:
            return self._clock() - self._since

    def wrote(self, record: LeaseRecord, version: str | None) -> None:
        with self._lock:
            self._record, self._version, self._since = record, version, self._clock()

    def live_holder(self) -> str:
        """The holder, or "" for nobody (released, never held, or not renewed within its lease duration)."""
        with self._lock:
            if self._record is None or not self._record.holder:
                return ""
            expired = self._clock() - self._since >= self._record.lease_duration_seconds
            return "" if expired else self._record.holder


class LeaseElector:
    """One candidate for one Lease. Not a thread: `try_acquire_or_renew()` is one attempt, run by a loop.

    Thread-safe: the loop calls `try_acquire_or_renew` and `release` while others call `may_write` and `term`.
    """

    def __init__(
        self,
        api: kubernetes.client.CoordinationV1Api,
        namespace: str,
        name: str,
        identity: str,
        timing: LeaseTiming,
        *,
        labels: Mapping[str, str] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.namespace, self.name, self.identity, self.timing = namespace, name, identity, timing
        self._api = api
        self._labels = dict(labels or {})
        self._clock = clock
        self._lock = threading.Lock()
        self.seen = LeaseObserver(clock)
        self._leading = False
        self._renewed_at = 0.0  # when the last successful renewal (or acquisition) was started
        # The term of this candidate's own last hold, never a successor's it merely observed: a replica that lost
        # the Lease keeps fencing with its old term, which the database then refuses.
        self._held_term = 0

    # ----- what others ask

    def may_write(self) -> bool:
        """Leading, and the last successful renewal started less than the renew deadline ago."""
        with self._lock:
            return self._leading and self._clock() - self._renewed_at < self.timing.renew_deadline

    def is_leader(self) -> bool:
        """Holding the Lease as far as this candidate knows (it may already be fenced: see may_write)."""
        with self._lock:
            return self._leading

    def term(self) -> int:
        """The Lease's transitions when this candidate last held it (0 before it ever did)."""
        with self._lock:
            return self._held_term

    # ----- the election

    def try_acquire_or_renew(self) -> bool:
        """One attempt to take or keep the Lease; True when this candidate holds it afterwards."""
        started = self._clock()
        leading = self._attempt(started)
        seen = self.seen.record
        with self._lock:
            if leading:
                self._leading, self._renewed_at = True, started
            elif self._leading and (
                seen is None
                or (seen.holder, seen.transitions) != (self.identity, self._held_term)
                or self._clock() - self._renewed_at >= self.timing.renew_deadline
            ):
                logger.warning("lost the lease %s/%s", self.namespace, self.name)
                self._leading = False
            return self._leading and leading

    def _attempt(self, started: float) -> bool:
        now = datetime.now(UTC)
        timeout = self.timing.request_timeout
        try:
            lease = self._api.read_namespaced_lease(self.name, self.namespace, _request_timeout=timeout)
        except ApiException as exc:
            if exc.status != 404:
                logger.warning("reading the lease %s/%s failed: %s", self.namespace, self.name, exc.reason)
                return False
            return self._create(now, started, timeout)
        except LEASE_ERRORS as exc:
            logger.warning("reading the lease %s/%s failed: %s", self.namespace, self.name, exc)
            return False
        record = LeaseRecord.from_lease(lease)
        self.seen.observe(lease)
        # Ours only if this very candidate holds it in the term it took: a restarted process, or a second one
        # given the same identity, waits the lease out like anybody else and then starts a new term.
        with self._lock:
            mine = self._leading and (record.holder, record.transitions) == (self.identity, self._held_term)
        if not mine and self.seen.live_holder():
            return False  # somebody else holds it and was seen renewing within its lease duration
        wanted = LeaseRecord(
            holder=self.identity,
            lease_duration_seconds=_seconds(self.timing.lease_duration),
            transitions=record.transitions if mine else record.transitions + 1,
            acquire_time=record.acquire_time if mine and record.acquire_time else now,
            renew_time=now,
        )
        lease.spec = wanted.to_spec()
        return self._write(lease, wanted)

    def _create(self, now: datetime, started: float, timeout: float) -> bool:
        record = LeaseRecord(self.identity, _seconds(self.timing.lease_duration), 0, now, now)
        body = kubernetes.client.V1Lease(
            metadata=kubernetes.client.V1ObjectMeta(name=self.name, namespace=self.namespace, labels=self._labels),
            spec=record.to_spec(),
        )
        try:
            created = self._api.create_namespaced_lease(self.namespace, body, _request_timeout=timeout)
        except LEASE_ERRORS as exc:
            logger.info("creating the lease %s/%s failed: %s", self.namespace, self.name, exc)
            return False
        self._observe(record, created.metadata.resource_version, held=True)
        return True

    def _write(self, lease: kubernetes.client.V1Lease, record: LeaseRecord) -> bool:
        try:
            written = self._api.replace_namespaced_lease(
                self.name, self.namespace, lease, _request_timeout=self.timing.request_timeout
            )
        except LEASE_ERRORS as exc:  # 409: another candidate wrote first
            logger.info("writing the lease %s/%s failed: %s", self.namespace, self.name, exc)
            return False
        self._observe(record, written.metadata.resource_version, held=bool(record.holder))
        return True

    def _observe(self, record: LeaseRecord, version: str | None, *, held: bool = False) -> None:
        self.seen.wrote(record, version)
        if held:
            with self._lock:
                self._held_term = record.transitions

    def release(self) -> None:
        """Give the Lease up now (as client-go's ReleaseOnCancel), so a successor need not wait it out.

        Writing stops first: may_write() is false before the release is sent.
        """
        with self._lock:
            if not self._leading:
                return
            self._leading = False
        try:
            lease = self._api.read_namespaced_lease(
                self.name, self.namespace, _request_timeout=self.timing.request_timeout
            )
            record = LeaseRecord.from_lease(lease)
            if record.holder != self.identity:
                return
            now = datetime.now(UTC)
            released = replace(record, holder="", lease_duration_seconds=1, renew_time=now, acquire_time=now)
            lease.spec = released.to_spec()
            self._write(lease, released)
        except LEASE_ERRORS as exc:
            logger.warning("releasing the lease %s/%s failed: %s", self.namespace, self.name, exc)
