"""The cycle obeys its coordinator: it writes only to the clusters it owns, stops writing (clusters and database)
the moment it may no longer, records its term, and leaves the commit's metadata to the replica that syncs it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from reconciler.daemon.coordination import SoloCoordinator
from reconciler.db.fencing import Fence
from tests.daemon.conftest import RunningDaemon, assert_live_matches

WORKSPACES = "/apis/butler.butlerlabs.dev/v1alpha1/workspaces"


@dataclass
class Scripted(SoloCoordinator):
    owned: frozenset[str] | None = None
    writable: bool = True
    leader_term: int = 7
    syncs: bool = True
    listeners: list[Callable[[], None]] = field(default_factory=list)

    def on_gain(self, listener: Callable[[], None]) -> None:
        self.listeners.append(listener)

    def gain(self, owned: frozenset[str] | None) -> None:
        self.owned, self.writable = owned, True
        for listener in self.listeners:
            listener()

    def owned_clusters(self, clusters: Sequence[str]) -> set[str]:
        return set(clusters) if self.owned is None else set(clusters) & self.owned

    def may_write(self) -> bool:
        return self.writable

    def term(self) -> int:
        return self.leader_term

    def syncs_metadata(self) -> bool:
        return self.syncs

    def fences(self, clusters: Iterable[str] = (), *, metadata: bool = False) -> list[Fence]:
        return [Fence("leader", self.leader_term, "replica-a")]


def test_a_replica_that_may_not_write_writes_nothing(run_daemon, daemon_platform) -> None:
    """A leader whose lease could not be renewed (fenced) touches neither the clusters nor the database."""
    daemon_platform.reset_counters()
    running: RunningDaemon = run_daemon(coordinator=Scripted(writable=False))
    running.wait_cycles(1)
    assert running.platform.writes() == 0
    assert running.query("SELECT count(*) FROM reconcile_runs") == [(0,)]
    assert running.query("SELECT count(*) FROM teams") == [(0,)]
    running.stop()


def test_only_owned_clusters_are_written_and_the_term_is_recorded(run_daemon, daemon_platform) -> None:
    daemon_platform.reset_counters()
    running: RunningDaemon = run_daemon(coordinator=Scripted(owned=frozenset({"dev-eu-1"}), syncs=False))
    running.wait_cycles(1)
    assert running.platform.writes("mgmt") == running.platform.writes("prd-eu-1") == 0
    assert running.platform.writes("dev-eu-1") > 0
    assert running.query("SELECT cluster FROM cluster_status") == [("dev-eu-1",)]
    (summary, terms) = running.query("SELECT summary, terms FROM reconcile_runs")[0]
    assert terms == {"leader": 7} and summary["sync"] == "skipped"
    assert running.query("SELECT scope, term, holder FROM leader_terms") == [("leader", 7, "replica-a")]
    assert running.query("SELECT count(*) FROM teams") == [(0,)]  # another replica syncs the metadata
    running.stop()


def test_a_standby_that_gains_clusters_applies_them_at_once_and_records_it(
    run_daemon, daemon_platform, tmp_path
) -> None:
    """No new commit, no interval: taking over is enough, and the clusters it gained get the whole commit (the
    replica before may have died half-way through), the others nothing."""
    coordinator = Scripted(owned=frozenset(), writable=False)  # a standby
    daemon_platform.reset_counters()
    running: RunningDaemon = run_daemon(coordinator=coordinator)
    running.wait_cycles(1)
    assert running.platform.writes() == 0
    daemon_platform.reset_counters()
    coordinator.gain(frozenset({"mgmt", "prd-eu-1"}))
    running.wait_cycles(2)
    assert running.platform.writes("dev-eu-1") == 0
    assert running.platform.writes("mgmt") > 0 and running.platform.writes("prd-eu-1") > 0
    assert running.query("SELECT trigger FROM reconcile_runs") == [("daemon:takeover",)]
    assert sorted(running.query("SELECT cluster FROM cluster_status")) == [("mgmt",), ("prd-eu-1",)]
    coordinator.gain(None)
    running.wait_cycles(3)
    assert_live_matches(daemon_platform, running.repo.files, tmp_path)
    running.stop()
