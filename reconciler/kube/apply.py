"""Server-side apply of a plan's changes: foundation kinds first, then the rest with bounded concurrency.

Field manager `portal`. `correct` mode applies with force (our fields are ours, whoever edited them last);
`warn` drift is only dry-run, to show the field-level diff the correction would make, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby

from reconciler.kube.client import KubeClient, KubeError, Unreachable, object_path
from reconciler.kube.cluster_plan import Change
from reconciler.kube.compare import differences
from reconciler.kube.discovery import Discovery, KindUnavailable, Resource
from reconciler.kube.objects import ObjectKey, apply_rank, is_ours, key_of
from reconciler.kube.outcome import Outcome, Result
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


def _not_ours_message(instance: str) -> str:
    return (
        "exists and was not created by this installation; not adopted (delete it, or label it "
        f"{INSTANCE_LABEL}={instance} and {MANAGED_BY_LABEL}={MANAGED_BY_VALUE} to hand it over)"
    )


def someone_elses(
    client: KubeClient, discovery: Discovery, creates: Sequence[Change], instance: str, concurrency: int
) -> set[ObjectKey]:
    """Objects to create that already exist without our labels: someone else's, never adopted, because adopting
    one would make it ours to prune one day. One LIST per kind and namespace, of the objects not ours only."""
    groups: dict[tuple[Resource, str], set[ObjectKey]] = {}
    for change in creates:
        try:
            resource = discovery.resource_of(change.key)
        except KindUnavailable:
            continue  # applying it reports that
        namespace = change.key.namespace if resource.namespaced else ""
        groups.setdefault((resource, namespace), set()).add(change.key)
    selector = f"{INSTANCE_LABEL}!={instance}"  # a missing label matches too

    def foreign(group: tuple[tuple[Resource, str], set[ObjectKey]]) -> set[ObjectKey]:
        (resource, namespace), wanted = group
        path = object_path(resource.base, resource.plural, namespace)
        found = set()
        for item in client.list(path, selector):
            item["apiVersion"], item["kind"] = resource.api_version, resource.kind
            if (key := key_of(item)) in wanted and not is_ours(item, instance):
                found.add(key)
        return found

    return set().union(*bounded(foreign, list(groups.items()), concurrency))


def apply_one(client: KubeClient, discovery: Discovery, change: Change) -> Outcome:
    try:
        path = discovery.resource_of(change.key).path(change.key)
        if change.action == "drift" and change.mode != "correct":
            return _report_drift(client, path, change)
        result = client.apply(path, change.desired, force=change.force)
    except KindUnavailable as exc:
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
        creates = [c for c in batch if c.action == "create"]
        try:
            foreign = someone_elses(client, discovery, creates, instance, concurrency) if creates else set()
        except (KubeError, Unreachable) as exc:
            outcomes += [Outcome(c.key, "failed", str(exc)) for c in batch]
            continue
        outcomes += [Outcome(c.key, "not adopted", _not_ours_message(instance)) for c in batch if c.key in foreign]
        writable = [c for c in batch if c.key not in foreign]
        outcomes += bounded(lambda change: apply_one(client, discovery, change), writable, concurrency)
        if any(c.key.kind == "CustomResourceDefinition" for c in batch):
            discovery.forget()  # the kinds they define are served now
    return outcomes
