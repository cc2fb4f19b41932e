"""One leader among the replicas: the holder of the `portal-<instance>-leader` Lease does everything."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import kubernetes

from reconciler.daemon.coordination import GainListeners
from reconciler.daemon.lease import Clock, LeaseElector, LeaseTiming, lease_name
from reconciler.daemon.ticker import Ticker
from reconciler.db.fencing import Fence
from reconciler.kube.fenced_send import WriteFence

LEADER_SCOPE = "leader"


class LeaderCoordinator:
    """The coordination protocol over one Lease: the leader owns every cluster and syncs the metadata."""

    def __init__(
        self,
        api: kubernetes.client.CoordinationV1Api,
        namespace: str,
        identity: str,
        *,
        instance: str = "default",
        timing: LeaseTiming | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        timing = timing or LeaseTiming()
        name = lease_name(instance, "leader")
        self.elector = LeaseElector(api, namespace, name, identity, timing, clock=clock)
        self._ticker = Ticker(f"lease {namespace}/{name}", self.step, timing.retry_period)
        self._gains = GainListeners()

    def step(self) -> None:
        before = self._writable()
        self.elector.try_acquire_or_renew()
        self._gains.compare(before, self._writable())

    def _writable(self) -> set[int]:
        return {0} if self.may_write() else set()

    def on_gain(self, listener: Callable[[], None]) -> None:
        self._gains.add(listener)

    def start(self) -> None:
        self._ticker.start()

    def stop(self) -> None:
        """Stop renewing and hand the Lease over at once."""
        self._ticker.stop()
        self.elector.release()

    def owned_clusters(self, clusters: Iterable[str]) -> set[str]:
        return set(clusters) if self.may_write() else set()

    def may_write(self) -> bool:
        return self.elector.may_write()

    def write_fence(self, cluster: str) -> WriteFence:
        return WriteFence(self.may_write, self.elector.timing.write_timeout)

    def term(self) -> int:
        return self.elector.term()

    def syncs_metadata(self) -> bool:
        return self.may_write()

    def fences(self, clusters: Iterable[str] = (), *, metadata: bool = False) -> list[Fence]:
        """What the database step claims with its writes (whatever they are about): the term this replica led
        under, so once a later leader has written, this one cannot."""
        return [Fence(LEADER_SCOPE, self.term(), self.elector.identity)]
