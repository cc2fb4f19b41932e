"""Keeper's checks, as the validator runs them: per Artifact document, and across Artifacts, Teams and Policies.

The rules themselves (`keeper.commit`) are imported when a check runs: a run whose keeper findings are all
remembered never loads them.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.keeper.timestamps import check_document, future_times, latest_time, recorded_times, sortable_time
from reconciler.model.checks import CheckContext, CheckSubject, CrossCheck, DocumentCheck, FactsEnvironment


def _latest_recorded(ctx: CheckContext) -> str:
    """The latest time any Artifact records, as written ("" for none)."""
    times = (t for artifact in ctx.model.artifacts.values() for t in recorded_times(artifact))
    return max(times, key=sortable_time, default="")


def _environment(ctx: CheckContext, latest_recorded: str) -> str:
    """What the findings read besides documents: which recorded times lie after the commit's (looked for only
    when the latest of them does), and what the database holds."""
    latest = latest_time(ctx.now)
    future: dict[str, tuple[str, ...]] = {}
    if latest is not None and latest_recorded and sortable_time(latest_recorded) > latest:
        future = future_times(ctx.model.artifacts.values(), latest)
    recorded = ctx.recorded.digest if ctx.recorded is not None else "-"
    times = (f"{name}={t}" for name, late in sorted(future.items()) for t in late)
    return f"clock={ctx.now is not None}\0recorded={recorded}\0" + "\0".join(times)


def _subjects(ctx: CheckContext) -> Iterable[CheckSubject]:
    from reconciler.keeper.commit import subjects

    return subjects(ctx)


CROSS_CHECKS = (
    CrossCheck(
        "keeper",
        frozenset({"Artifact", "Team", "Policy"}),
        subjects=_subjects,
        environment=FactsEnvironment(frozenset({"Artifact"}), _latest_recorded, _environment),
    ),
)
DOCUMENT_CHECKS: dict[str, DocumentCheck] = {"Artifact": check_document}
