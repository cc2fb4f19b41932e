"""The daemon's Prometheus metrics, in a registry of its own, served on `--metrics-listen` at `/metrics`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from reconciler.kube.cluster_reconcile import ClusterReport

CYCLE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class DaemonMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.cycle_seconds = Histogram(
            "portal_cycle_duration_seconds",
            "How long a cycle took, by trigger",
            ["trigger"],
            registry=r,
            buckets=CYCLE_BUCKETS,
        )
        self.last_success = Gauge(
            "portal_last_success_timestamp_seconds", "When a cycle last succeeded on every cluster", registry=r
        )
        self.commit_applied = Gauge(
            "portal_commit_applied_info",
            "The commit the clusters were last brought to (value 1)",
            ["commit"],
            registry=r,
        )
        self.objects = Counter(
            "portal_objects_total",
            "Objects applied, pruned and drifted, by cluster",
            ["cluster", "result"],
            registry=r,
        )
        self.errors = Counter("portal_errors_total", "Errors by cluster and reason", ["cluster", "reason"], registry=r)
        self.webhooks = Counter(
            "portal_webhook_deliveries_total",
            "Webhook deliveries by endpoint and result",
            ["endpoint", "result"],
            registry=r,
        )

    def count_webhook(self, endpoint: str, result: str) -> None:
        self.webhooks.labels(endpoint, result).inc()

    def applied_commit(self, commit: str) -> None:
        self.commit_applied.clear()
        self.commit_applied.labels(commit).set(1)

    def cluster_reports(self, reports: Sequence[ClusterReport]) -> None:
        from reconciler.db.outcome import cluster_outcome  # the outcome counts the database keeps, counted alike

        for report in reports:
            outcome = cluster_outcome(report)
            for result, count in (
                ("applied", outcome.objects_applied),
                ("pruned", outcome.objects_pruned),
                ("drifted", outcome.objects_drifted),
            ):
                self.objects.labels(report.cluster, result).inc(count)
            if report.failed:
                self.errors.labels(report.cluster, report.status if report.status != "ok" else "apply").inc()

    def error(self, reason: str, cluster: str = "") -> None:
        self.errors.labels(cluster, reason).inc()

    async def handle(self, _request: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(self.registry))
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        return response
