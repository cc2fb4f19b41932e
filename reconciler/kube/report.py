"""Reports of plans and reconciles, as text lines for people and as JSON for machines.

Secret values never appear: plans redact them (compare.redacted) and objects themselves are never printed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from reconciler.kube.cluster_plan import ClusterPlan
from reconciler.kube.cluster_reconcile import ClusterReport
from reconciler.kube.compare import FieldChange
from reconciler.kube.health import ObjectHealth, WaitStatus
from reconciler.kube.objects import ObjectKey

_PLAN_MARKS = {"create": "+", "update": "~", "drift": "!"}
_ORDER = (
    "created",
    "configured",
    "drift corrected",
    "drift reported",
    "pruned",
    "prune refused",
    "prune skipped",
    "conflict",
    "not adopted",
    "failed",
    "prune failed",
)


def _fields(fields: Sequence[FieldChange], indent: str = "      ") -> Iterator[str]:
    for change in fields:
        for line in change.lines():
            yield f"{indent}{line}"


def _errors(plan: ClusterPlan) -> Iterator[str]:
    for error in plan.errors:
        yield f"  error {error}"


def _refused(plan: ClusterPlan) -> str:
    return f", {len(plan.refused)} prune refused" if plan.refused else ""


def plan_lines(name: str, plan: ClusterPlan) -> Iterator[str]:
    creates = sum(c.action == "create" for c in plan.changes)
    updates = sum(c.action == "update" for c in plan.changes)
    drifted = sum(c.action == "drift" for c in plan.changes)
    if not plan.has_changes:
        yield f"{name}: no changes ({len(plan.unchanged)} unchanged{_refused(plan)})"
    else:
        yield (
            f"{name}: {creates} to create, {updates} to update, {drifted} drifted, {len(plan.prunable)} to prune"
            f"{_refused(plan)}, {len(plan.unchanged)} unchanged"
        )
    yield from _errors(plan)
    for change in plan.changes:
        mode = f" (drift: {change.mode})" if change.action == "drift" else ""
        yield f"  {_PLAN_MARKS[change.action]} {change.key}{mode}"
        yield from _fields(change.fields)
    for candidate in plan.prunable:
        yield f"  - {candidate.key} ({'to delete' if plan.pruning else 'deleted with --prune'})"
    for candidate in plan.refused:
        yield f"  x {candidate.key} (prune refused: {candidate.refused})"


def report_lines(report: ClusterReport) -> Iterator[str]:
    """A reconcile's report of one cluster (a dry run shows its plan)."""
    if report.status != "ok":
        yield f"{report.cluster}: {report.error}"
        return
    assert report.plan is not None
    if report.dry_run:
        yield from plan_lines(f"{report.cluster} (dry run)", report.plan)
        return
    counts = Counter(o.result for o in report.outcomes)
    summary = ", ".join(f"{counts[r]} {r}" for r in _ORDER if counts[r])
    unchanged = f"{len(report.plan.unchanged)} unchanged"
    yield f"{report.cluster}: {summary + ', ' if summary else ''}{unchanged}"
    yield from _errors(report.plan)
    for outcome in sorted(report.outcomes, key=lambda o: _ORDER.index(o.result)):
        message = f": {outcome.message}" if outcome.message else ""
        yield f"  {outcome.result} {outcome.key}{message}"
        if outcome.result in ("configured", "drift corrected", "drift reported", "conflict"):
            yield from _fields(outcome.fields)
    if report.plan.prunable and not report.plan.pruning:
        yield f"  {len(report.plan.prunable)} object(s) no longer desired (deleted with --prune):"
        for candidate in report.plan.prunable:
            yield f"    {candidate.key}"
    if report.plan.refused and not report.plan.pruning:
        yield f"  {len(report.plan.refused)} object(s) no longer desired that --prune would not delete:"
        for candidate in report.plan.refused:
            yield f"    {candidate.key} ({candidate.refused})"
    pending = [h for h in report.health if h.state != "ready"]
    if pending and not report.waited and all(h.state == "progressing" for h in pending):
        kinds = Counter(h.key.kind for h in pending)
        yield f"  not ready yet: {', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))} (--wait waits for them)"
        return
    for health in pending:
        yield f"  {'not ready' if health.state == 'progressing' else 'unhealthy'} {health.key}: {health.message}"


def _seconds(seconds: float) -> str:
    return f"{seconds:.0f}s"


def _not_ready(health: ObjectHealth) -> str:
    return f"{health.key} ({health.message})" if health.message else str(health.key)


def wait_summary(cluster: str, status: WaitStatus, shown: int = 3) -> str:
    """Where one cluster's --wait stands, on one line: a terminal's status line, and the last word of a wait."""
    pending, total = status.pending, len(status.health)
    if not pending:
        return f"{cluster}: all {total} ready after {_seconds(status.elapsed)}"
    which = ", ".join(_not_ready(h) for h in pending[:shown])
    more = f" and {len(pending) - shown} more" if len(pending) > shown else ""
    failed = sum(h.state == "failed" for h in pending)
    if status.done:
        stopped = f"{failed} unhealthy" if failed else "timed out"
        after = f"after {_seconds(status.elapsed)} ({stopped})"
        return f"{cluster}: {len(pending)} of {total} not ready {after}: {which}{more}"
    waited = f"{_seconds(status.elapsed)} of {_seconds(status.timeout)}"
    return f"{cluster}: waiting {waited}, {len(pending)} of {total} not ready: {which}{more}"


def wait_changes(cluster: str, before: WaitStatus | None, after: WaitStatus) -> list[str]:
    """What changed in one cluster's --wait since `before` (None: it begins), one line per change, as a log
    reads it; nothing when nothing changed."""
    if before is None:
        lines = [
            f"{cluster}: waiting up to {_seconds(after.timeout)} for {len(after.pending)} of {len(after.health)} "
            "object(s) to become ready"
        ]
        lines += [f"{cluster}: not ready {_not_ready(h)}" for h in after.pending]
    else:
        was = {h.key: h for h in before.health}
        lines = []
        for health in after.health:
            if was.get(health.key) == health:
                continue
            at = _seconds(after.elapsed)
            if health.state == "ready":
                lines.append(f"{cluster}: ready {health.key} after {at}")
            elif health.state == "failed":
                lines.append(f"{cluster}: unhealthy {health.key}: {health.message} after {at}")
            else:
                lines.append(f"{cluster}: not ready {_not_ready(health)} after {at}")
    if after.done:
        lines.append(wait_summary(cluster, after))
    return lines


def _key_json(key: ObjectKey) -> dict[str, str]:
    return {
        "object": str(key),
        "apiVersion": key.api_version,
        "kind": key.kind,
        "namespace": key.namespace,
        "name": key.name,
    }


def plan_json(plan: ClusterPlan) -> dict[str, Any]:
    return {
        "changes": [
            {
                **_key_json(c.key),
                "action": c.action,
                "driftMode": c.mode,
                "fields": [f.as_json() for f in c.fields],
            }
            for c in plan.changes
        ],
        "prune": [
            {**_key_json(p.key), "refused": p.refused or None, "deleted": plan.pruning and not p.refused}
            for p in plan.prunes
        ],
        "unchanged": len(plan.unchanged),
        "hasChanges": plan.has_changes,
        "errors": list(plan.errors),
    }


def report_json(report: ClusterReport) -> dict[str, Any]:
    result: dict[str, Any] = {"cluster": report.cluster, "status": report.status, "dryRun": report.dry_run}
    if report.error:
        result["error"] = report.error
    if report.plan is not None:
        result["plan"] = plan_json(report.plan)
    if not report.dry_run and report.status == "ok":
        result["results"] = [
            {
                **_key_json(o.key),
                "result": o.result,
                "message": o.message,
                "fields": [f.as_json() for f in o.fields],
            }
            for o in report.outcomes
        ]
        result["health"] = [{**_key_json(h.key), "state": h.state, "message": h.message} for h in report.health]
    return result
