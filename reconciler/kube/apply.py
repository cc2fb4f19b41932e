"""Server-side apply of a plan's changes: foundation kinds first, then the rest with bounded concurrency.

Field manager `portal`. `correct` mode applies with force (our fields are ours, whoever edited them last);
`warn` drift is only dry-run, to show the field-level diff the correction would make, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby

from reconciler.kube.client import KubeClient, KubeError, Unreachable
from reconciler.kube.compare import differences
from reconciler.kube.discovery import Discovery, UnknownKind
from reconciler.kube.objects import apply_rank, is_ours
from reconciler.kube.outcome import Outcome, Result
from reconciler.kube.plan import Change
from reconciler.model.ownership import INSTANCE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE


def bounded[T, R](function: Callable[[T], R], items: Sequence[T], concurrency: int) -> list[R]:
    """`function` over `items` with at most `concurrency` at once, results in the order of `items`."""
    if concurrency <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
        return list(pool.map(function, items))


_DONE: dict[str, Result] = {"create": "created", "update": "configured", "drift": "drift corrected"}


def _report_drift(client: KubeClient, path: str, change: Change) -> Outcome:
    """The diff a correction would make, as the server computes it (defaults, normalisation), writing nothing."""
    assert change.live is not None
    after = client.apply(path, change.desired, force=True, dry_run=True)
    still_different = {f.path for f in differences(change.desired, after)}
    fields = tuple(f for f in change.fields if f.path not in still_different) or change.fields
    return Outcome(change.key, "drift reported", f"drift ({change.mode}): not corrected", fields, change.live)


def _someone_elses(client: KubeClient, path: str, change: Change, instance: str) -> Outcome | None:
    """An object to create that already exists without our labels is someone else's: never adopted, because
    adopting it would make it ours to prune one day."""
    existing = client.get(path)
    if existing is None or is_ours(existing, instance):
        return None
    message = (
        "exists and was not created by this installation; not adopted (delete it, or label it "
        f"{INSTANCE_LABEL}={instance} and {MANAGED_BY_LABEL}={MANAGED_BY_VALUE} to hand it over)"
    )
    return Outcome(change.key, "not adopted", message)


def apply_one(client: KubeClient, discovery: Discovery, change: Change, instance: str) -> Outcome:
    try:
        path = discovery.resource_of(change.key).path(change.key)
        if change.action == "drift" and change.mode != "correct":
            return _report_drift(client, path, change)
        if change.action == "create" and (refusal := _someone_elses(client, path, change, instance)):
            return refusal
        result = client.apply(path, change.desired, force=change.force)
    except UnknownKind as exc:
        return Outcome(change.key, "failed", str(exc))
    except KubeError as exc:
        if exc.status == 409:
            return Outcome(change.key, "conflict", exc.message, change.fields)
        return Outcome(change.key, "failed", str(exc), change.fields)
    except Unreachable as exc:
        return Outcome(change.key, "failed", str(exc), change.fields)
    return Outcome(change.key, _DONE[change.action], "", change.fields, result)


def apply_changes(
    client: KubeClient, discovery: Discovery, changes: Iterable[Change], concurrency: int, instance: str
) -> list[Outcome]:
    """CRDs, then Namespaces, then everything else; each group in parallel, groups one after the other."""
    outcomes: list[Outcome] = []
    ordered = sorted(changes, key=lambda c: apply_rank(c.key))
    for _, group in groupby(ordered, key=lambda c: apply_rank(c.key)):
        batch = list(group)
        outcomes += bounded(lambda change: apply_one(client, discovery, change, instance), batch, concurrency)
        if any(c.key.kind == "CustomResourceDefinition" for c in batch):
            discovery.forget()  # the kinds they define are served now
    return outcomes
