"""One turn of the daemon: fetch; a new revision is validated (against the last applied commit as its base),
built, applied to every cluster this replica owns and recorded; without one, the last applied build is re-planned
against the clusters, so that drift is corrected (or reported) per each Cluster's drift mode.

An invalid revision is recorded as failed with its findings and nothing of it is applied: the clusters stay at the
last good commit, which the following intervals keep in place. The steps are those of `portal reconcile`
(`run_clusters`, `record_reconcile`); the coordinator is asked before each cluster write and each database sync.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from reconciler.build import Build, BuildSettings, build
from reconciler.daemon.backoff import ClusterBackoff
from reconciler.daemon.coordination import Coordinator
from reconciler.daemon.log import fields
from reconciler.daemon.metrics import DaemonMetrics
from reconciler.daemon.site_hook import SiteBuilder
from reconciler.daemon.source import Source
from reconciler.herald.tests.memo import TestMemo
from reconciler.herald.workloads import DEFAULT_SETTINGS
from reconciler.kube.cluster_reconcile import ClusterReport
from reconciler.kube.clusters import run_clusters, select_clusters
from reconciler.load.sources import SourceError
from reconciler.settings import ApplyOptions, Settings
from reconciler.state_dir import StateDir
from reconciler.validate import Validation, validate_source
from reconciler.validate.memo import ValidationMemo
from reconciler.validate.pipeline_tests import with_test_findings

if TYPE_CHECKING:
    from reconciler.db.rows import RowCache
    from reconciler.model.recorded import RecordedRegistry

Trigger = Literal["start", "interval", "webhook", "watch", "retry", "takeover"]
Result = Literal["applied", "invalid", "drift", "fetch failed"]
MAX_RECORDED_FINDINGS = 200


@dataclass(frozen=True, slots=True)
class CycleResult:
    result: Result
    revision: str | None = None
    reports: tuple[ClusterReport, ...] = ()
    findings: tuple[str, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.result in ("applied", "drift") and not any(r.failed for r in self.reports)


def last_applied_file(state_dir: StateDir) -> Path:
    return state_dir.root / "daemon" / "last-applied"


@dataclass
class Cycle:
    source: Source
    settings: Settings
    options: ApplyOptions
    coordinator: Coordinator
    metrics: DaemonMetrics
    log: logging.Logger
    site: tuple[SiteBuilder, Path] | None = None
    run_tests: bool = True  # a failing Pipeline test makes a revision invalid, as `validate` makes it
    backoff: ClusterBackoff = field(default_factory=ClusterBackoff)
    applied: Build | None = None  # the last valid revision's build: what the clusters are kept at
    judged: str | None = None  # the last revision judged, valid or not
    owned: frozenset[str] = frozenset()  # the clusters this replica owned when it last applied
    _memo: ValidationMemo | None = None
    _row_cache: RowCache | None = None

    def __post_init__(self) -> None:
        self._memo = ValidationMemo(self.settings.state_dir.root)

    # ----- one turn

    def run(self, trigger: Trigger) -> CycleResult:
        started = time.perf_counter()
        try:
            result = self._turn(trigger)
        finally:
            self.metrics.cycle_seconds.labels(trigger).observe(time.perf_counter() - started)
        if result.succeeded:
            self.metrics.last_success.set_to_current_time()
        return result

    def _turn(self, trigger: Trigger) -> CycleResult:
        try:
            revision = self.source.fetch()
        except SourceError as exc:
            self.metrics.error("fetch")
            self.log.error("fetch failed: %s", exc, extra=fields(trigger=trigger))
            return CycleResult("fetch failed")
        if revision != self.judged:
            return self._new_revision(revision, trigger)
        if self.applied is None:  # the revision judged was invalid, and none was ever applied
            return CycleResult("invalid", revision)
        gained = self._owned(self.applied) - self.owned
        if gained:
            return self._take_over(gained, trigger)
        return self._keep_in_place(trigger)

    def _new_revision(self, revision: str, trigger: Trigger) -> CycleResult:
        self.log.info("new revision %s", revision, extra=fields(trigger=trigger, revision=revision))
        try:
            base = self._base()
            validation = validate_source(
                self.source.read(revision),
                state_dir=self.settings.state_dir.root,
                base=base,
                recorded=self._recorded(),
                memo=self._memo,
            )
        except SourceError as exc:
            self.metrics.error("fetch")
            self.log.error("cannot read %s: %s", revision, exc, extra=fields(revision=revision))
            return CycleResult("fetch failed", revision)
        if self.run_tests:
            validation = with_test_findings(validation, TestMemo(self.settings.state_dir.root))
        self.judged = revision
        if validation.errors:
            if self.applied is None and base is not None and not base.errors:
                self.applied = self._build(base)  # after a restart: keep the clusters at the last good commit
            return self._refuse(revision, validation, trigger)
        built = self._build(validation)
        reports = self._apply(built, every_cluster=True)
        self.applied = built
        if self.source.has_history:
            _remember_applied(self.settings.state_dir, revision)
        self.metrics.applied_commit(revision)
        self._record(built, reports, trigger)
        self._build_site(built)
        self.log.info(
            "applied %s to %d cluster(s)",
            revision,
            len(reports),
            extra=fields(revision=revision, failed=[r.cluster for r in reports if r.failed]),
        )
        return CycleResult("applied", revision, tuple(reports))

    def _take_over(self, gained: frozenset[str], trigger: Trigger) -> CycleResult:
        """Clusters another replica owned until now (it died, paused or handed them over) may be half-applied:
        apply the commit to them as if it were new, and record it."""
        assert self.applied is not None
        self.log.info("took over %s", ", ".join(sorted(gained)), extra=fields(trigger=trigger, clusters=sorted(gained)))
        reports = self._apply(self.applied, every_cluster=True, only=gained)
        self._record(self.applied, reports, trigger)
        return CycleResult("applied", self.judged, tuple(reports))

    def _keep_in_place(self, trigger: Trigger) -> CycleResult:
        """No new revision: re-plan the last applied build against the clusters and act per drift mode."""
        assert self.applied is not None
        reports = self._apply(self.applied, every_cluster=False)
        if any(r.outcomes or r.failed for r in reports):
            self._record(self.applied, reports, trigger)
        return CycleResult("drift", self.judged, tuple(reports))

    # ----- the steps

    def _build(self, validation: Validation) -> Build:
        return build(validation, BuildSettings(instance=self.options.instance, vector_image=DEFAULT_SETTINGS.image))

    def _base(self) -> Validation | None:
        """The last applied commit's validation, the base every new commit is judged against (as
        `validate --base` judges a pull request): read again after a restart."""
        if not self.source.has_history:
            return None
        if self.applied is not None:
            return self.applied.validation
        remembered = last_applied_file(self.settings.state_dir)
        if not remembered.is_file():
            return None
        commit = remembered.read_text().strip()
        return validate_source(self.source.read(commit), state_dir=self.settings.state_dir.root, memo=self._memo)

    def _recorded(self) -> RecordedRegistry | None:
        """The registry the database recorded, so that a commit taking another team's key is refused before
        anything is applied (as `validate --database-url` refuses it)."""
        if not self.settings.database.enabled:
            return None
        from reconciler.db.record import recorded_registry

        recorded, problem = recorded_registry(self.settings.database, self.settings.state_dir)
        self._database_problem(problem)
        return recorded

    def _refuse(self, revision: str, validation: Validation, trigger: Trigger) -> CycleResult:
        findings = tuple(d.format() for d in validation.errors)
        self.metrics.error("invalid")
        for finding in findings[:20]:
            self.log.error("%s", finding, extra=fields(revision=revision))
        self.log.error(
            "%s is invalid (%d error(s)): nothing applied, the clusters stay at the last good commit",
            revision,
            len(findings),
            extra=fields(revision=revision),
        )
        if self.settings.database.enabled and self.coordinator.may_write():
            from reconciler.db.record import record_invalid_commit

            problem = record_invalid_commit(
                self.settings.database,
                self.settings.state_dir,
                revision,
                findings[:MAX_RECORDED_FINDINGS],
                trigger=f"daemon:{trigger}",
                fences=self.coordinator.fences(metadata=self.coordinator.syncs_metadata()),
            )
            self._database_problem(problem)
        if self.applied is not None:
            self._keep_in_place(trigger)
        return CycleResult("invalid", revision, findings=findings)

    def _owned(self, built: Build) -> frozenset[str]:
        names = [c.name for c in select_clusters(built.model, self.settings.clusters.names)]
        return frozenset(self.coordinator.owned_clusters(names))

    def _apply(self, built: Build, every_cluster: bool, only: frozenset[str] | None = None) -> list[ClusterReport]:
        """Reconcile the owned clusters (those backing off only when `every_cluster`, for a new revision), or
        those of them in `only`."""
        clusters = select_clusters(built.model, self.settings.clusters.names)
        owned = frozenset(self.coordinator.owned_clusters([c.name for c in clusters]))
        # Only a full apply makes a cluster this replica's: one gained meanwhile is left for `_take_over`.
        fully = (owned if only is None else owned & only) if every_cluster else frozenset()
        self.owned = (self.owned & owned) | fully
        chosen = [
            c
            for c in clusters
            if c.name in owned and (only is None or c.name in only) and (every_cluster or self.backoff.due(c.name))
        ]
        if not chosen:
            return []
        reports = run_clusters(
            built.model,
            built.manifests,
            chosen,
            self.settings.clusters,
            self.settings.clusters.kubeconfig,
            self.options,
            fence=self.coordinator.write_fence,
        )
        self.metrics.cluster_reports(reports)
        for report in reports:
            if report.failed:
                delay = self.backoff.failed(report.cluster)
                self.log.warning(
                    "%s failed: %s; retrying in %.0f s",
                    report.cluster,
                    report.error or "see the run's errors",
                    delay,
                    extra=fields(cluster=report.cluster, status=report.status),
                )
            else:
                self.backoff.succeeded(report.cluster)
        return reports

    def _record(self, built: Build, reports: list[ClusterReport], trigger: Trigger) -> None:
        if not self.settings.database.enabled or not self.coordinator.may_write():
            return
        from reconciler.db.record import record_reconcile
        from reconciler.db.rows import RowCache

        if self._row_cache is None:
            self._row_cache = RowCache()
        problem = record_reconcile(
            self.settings.database,
            self.settings.state_dir,
            built,
            reports,
            trigger=f"daemon:{trigger}",
            cache=self._row_cache,
            fences=self.coordinator.fences(
                [report.cluster for report in reports], metadata=self.coordinator.syncs_metadata()
            ),
            sync_metadata=self.coordinator.syncs_metadata(),
        )
        self._database_problem(problem)

    def _database_problem(self, problem: str | None) -> None:
        if problem:
            self.metrics.error("database")
            self.log.error("%s", problem)

    def _build_site(self, built: Build) -> None:
        if self.site is None:
            return
        build_site, out = self.site
        try:
            build_site(built, self.settings, out)
        except Exception as exc:  # the site is a by-product: a failure is reported, the clusters stay applied
            self.metrics.error("site")
            self.log.error("the site was not rebuilt: %s: %s", type(exc).__name__, exc)


def _remember_applied(state_dir: StateDir, commit: str) -> None:
    target = last_applied_file(state_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_text(commit + "\n")
    partial.replace(target)
