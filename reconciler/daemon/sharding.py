"""Clusters split over N shard Leases (`portal-<instance>-shard-<i>`), shared out among the live replicas.

A cluster belongs to shard `sha256(name) mod N`: stable across processes, versions and replica counts (Python's
hash() is salted per process). Each replica heartbeats a member Lease of its own (`portal-<instance>-member-…`), so
replicas that hold no shard yet are counted too, and aims at its share of the N shards: N // R each for the R live
replicas, and one more for the first N % R of them by identity, so the shares add up to N and nobody is left
idle. It takes free or expired shards up to its share and hands back what it holds beyond it, as Argo CD balances
clusters over its controllers. A dead replica's shards expire and the others take them up to their new share.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable

import kubernetes

from reconciler.daemon.coordination import GainListeners
from reconciler.daemon.lease import LEASE_ERRORS, Clock, LeaseElector, LeaseObserver, LeaseTiming, lease_name
from reconciler.daemon.ticker import Ticker
from reconciler.db.fencing import Fence
from reconciler.kube.fenced_send import WriteFence

logger = logging.getLogger(__name__)

# A replica gone for good (a rolled-out pod) leaves its member Lease behind: once it has stayed unchanged for this
# many lease durations, the others delete it (only the very version they saw, so a revived member is kept).
FORGET_AFTER_LEASE_DURATIONS = 10

INSTANCE_LABEL = "portal.butlerlabs.dev/lease-group"
ROLE_LABEL = "portal.butlerlabs.dev/lease-role"


def shard_of(cluster: str, shards: int) -> int:
    """The shard of a cluster: the first 8 bytes of SHA-256 of its name, modulo the shard count."""
    digest = hashlib.sha256(cluster.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards


def shard_scope(index: int) -> str:
    return f"shard-{index}"


def member_lease_name(instance: str, identity: str) -> str:
    # Identities are free text (a host name and pid, a pod name); a Lease name must be a DNS subdomain.
    return lease_name(instance, f"member-{hashlib.sha256(identity.encode('utf-8')).hexdigest()[:16]}")


class ShardCoordinator:
    """The coordination protocol over N shard Leases; the holder of shard 0 also syncs the metadata."""

    def __init__(
        self,
        api: kubernetes.client.CoordinationV1Api,
        namespace: str,
        identity: str,
        shards: int,
        *,
        instance: str = "default",
        timing: LeaseTiming | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        if shards < 1:
            raise ValueError(f"the shard count must be at least 1 (got {shards})")
        self.identity, self.shards = identity, shards
        self.timing = timing or LeaseTiming()
        self._api, self._namespace, self._instance = api, namespace, instance

        def elector(name: str, role: str) -> LeaseElector:
            labels = {INSTANCE_LABEL: instance, ROLE_LABEL: role}
            return LeaseElector(api, namespace, name, identity, self.timing, labels=labels, clock=clock)

        self.electors = [elector(lease_name(instance, f"shard-{i}"), "shard") for i in range(shards)]
        self.member = elector(member_lease_name(instance, identity), "member")
        # Other replicas' member Leases, observed through the list of the group's Leases.
        self._members: dict[str, LeaseObserver] = {}
        self._clock = clock
        self._ticker = Ticker(f"shard leases {namespace}/{instance}", self.step, self.timing.retry_period)
        self._gains = GainListeners()

    # ----- the protocol

    def start(self) -> None:
        self._ticker.start()

    def stop(self) -> None:
        """Stop renewing and hand every shard over at once."""
        self._ticker.stop()
        for shard in self.electors:
            shard.release()
        self.member.release()

    def writable_shards(self) -> set[int]:
        return {i for i, shard in enumerate(self.electors) if shard.may_write()}

    def owned_clusters(self, clusters: Iterable[str]) -> set[str]:
        writable = self.writable_shards()
        return {c for c in clusters if shard_of(c, self.shards) in writable}

    def may_write(self) -> bool:
        return bool(self.writable_shards())

    def write_fence(self, cluster: str) -> WriteFence:
        """The lease of the cluster's own shard: holding another shard gives no right to write to it."""
        return WriteFence(self.electors[shard_of(cluster, self.shards)].may_write, self.timing.write_timeout)

    def term(self) -> int:
        """The term of shard 0, whose holder syncs the metadata (0 while this replica never held it)."""
        return self.electors[0].term()

    def syncs_metadata(self) -> bool:
        return self.electors[0].may_write()

    def fences(self, clusters: Iterable[str] = (), *, metadata: bool = False) -> list[Fence]:
        """What the database step claims when it records `clusters` (and syncs the metadata, shard 0's job):
        each of their shards with the term this replica held it under, so a successor's records win."""
        indexes = {shard_of(c, self.shards) for c in clusters} | ({0} if metadata else set())
        return [Fence(shard_scope(i), self.electors[i].term(), self.identity) for i in sorted(indexes)]

    # ----- balancing

    def live_replicas(self) -> list[str]:
        """Identities seen renewing a member or shard Lease within its lease duration, this one included."""
        seen = {o.live_holder() for o in [*self._members.values(), *(e.seen for e in self.electors)]}
        return sorted((seen | {self.identity}) - {""})

    def on_gain(self, listener: Callable[[], None]) -> None:
        self._gains.add(listener)

    def step(self) -> None:
        before = self.writable_shards()
        self._share()
        self._gains.compare(before, self.writable_shards())

    def _share(self) -> None:
        """One round: heartbeat, look at the group's Leases, keep this replica's share and take or hand back."""
        self.member.try_acquire_or_renew()
        self._observe_group()
        live = self.live_replicas()
        rank = live.index(self.identity)
        share = self.shards // len(live) + (1 if rank < self.shards % len(live) else 0)
        held = [i for i, shard in enumerate(self.electors) if shard.is_leader() and shard.try_acquire_or_renew()]
        preferred = self._preference(rank, len(live))
        for index in sorted(held, key=preferred.index, reverse=True)[: max(0, len(held) - share)]:
            logger.info("handing shard %d back: %d live replica(s), a share of %d", index, len(live), share)
            self.electors[index].release()
            held.remove(index)
        for index in preferred:
            if len(held) >= share:
                break
            if index not in held and self.electors[index].try_acquire_or_renew():
                logger.info("took shard %d (term %d)", index, self.electors[index].term())
                held.append(index)

    def _preference(self, rank: int, replicas: int) -> list[int]:
        """Shards in the order this replica tries them: each replica starts at its own place, so they do not
        all race for shard 0."""
        start = rank * self.shards // replicas
        return [(start + k) % self.shards for k in range(self.shards)]

    def _observe_group(self) -> None:
        try:
            leases = self._api.list_namespaced_lease(
                self._namespace,
                label_selector=f"{INSTANCE_LABEL}={self._instance}",
                _request_timeout=self.timing.request_timeout,
            ).items
        except LEASE_ERRORS as exc:
            logger.warning("listing the leases of %s failed: %s", self._instance, exc)
            return
        shards = {e.name: e.seen for e in self.electors}
        members = set()
        for lease in leases:
            name = lease.metadata.name
            if name in shards:
                shards[name].observe(lease)
            elif name != self.member.name and (lease.metadata.labels or {}).get(ROLE_LABEL) == "member":
                self._members.setdefault(name, LeaseObserver(self._clock)).observe(lease)
                members.add(name)
        for name in set(self._members) - members:
            del self._members[name]  # deleted meanwhile
        for name, seen in list(self._members.items()):
            if seen.unchanged_for() > FORGET_AFTER_LEASE_DURATIONS * self.timing.lease_duration:
                self._forget(name, seen.version)

    def _forget(self, name: str, version: str | None) -> None:
        options = kubernetes.client.V1DeleteOptions(
            preconditions=kubernetes.client.V1Preconditions(resource_version=version)
        )
        try:
            self._api.delete_namespaced_lease(
                name, self._namespace, body=options, _request_timeout=self.timing.request_timeout
            )
            logger.info("deleted the member lease %s, unrenewed for long", name)
        except LEASE_ERRORS as exc:  # 409: it was renewed after all; 404: another replica deleted it
            logger.info("deleting the member lease %s failed: %s", name, exc)
        self._members.pop(name, None)
