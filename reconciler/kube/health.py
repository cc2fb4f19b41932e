"""Health: rollouts of Deployments, StatefulSets and DaemonSets, and Butler Workspaces (phase, Ready).

`assess` is pure (one object → its health); `wait` polls the objects that are not ready yet until they are,
one fails, or the timeout passes, and tells its caller after every poll what it is still waiting for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.kube.client import KubeClient, KubeError, Unreachable
from reconciler.kube.discovery import Discovery, KindUnavailable
from reconciler.kube.objects import ObjectKey, key_of

State = Literal["ready", "progressing", "failed"]


@dataclass(frozen=True, slots=True)
class ObjectHealth:
    key: ObjectKey
    state: State
    message: str = ""


@dataclass(frozen=True, slots=True)
class WaitStatus:
    """Where a wait stands: the latest health of every object it waits for."""

    elapsed: float  # seconds since the wait began
    timeout: float
    health: tuple[ObjectHealth, ...]
    done: bool = False  # the last status of this wait

    @property
    def pending(self) -> tuple[ObjectHealth, ...]:
        return tuple(h for h in self.health if h.state != "ready")


def _observed(obj: Mapping[str, Any]) -> bool:
    generation = (obj.get("metadata") or {}).get("generation")
    observed = (obj.get("status") or {}).get("observedGeneration")
    return generation is None or (observed is not None and observed >= generation)


def _condition(obj: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return condition
    return {}


def _deployment(obj: Mapping[str, Any]) -> tuple[State, str]:
    status = obj.get("status") or {}
    if _condition(obj, "Progressing").get("reason") == "ProgressDeadlineExceeded":
        return "failed", "progress deadline exceeded"
    wanted = (obj.get("spec") or {}).get("replicas", 1)
    updated, available = status.get("updatedReplicas", 0), status.get("availableReplicas", 0)
    if not _observed(obj):
        return "progressing", "the new generation is not observed yet"
    if updated < wanted or available < wanted or status.get("replicas", 0) > updated:
        return "progressing", f"{updated}/{wanted} updated, {available} available"
    return "ready", ""


def _statefulset(obj: Mapping[str, Any]) -> tuple[State, str]:
    status = obj.get("status") or {}
    wanted = (obj.get("spec") or {}).get("replicas", 1)
    updated, ready = status.get("updatedReplicas", 0), status.get("readyReplicas", 0)
    if not _observed(obj):
        return "progressing", "the new generation is not observed yet"
    if updated < wanted or ready < wanted or status.get("currentRevision") != status.get("updateRevision"):
        return "progressing", f"{updated}/{wanted} updated, {ready} ready"
    return "ready", ""


def _daemonset(obj: Mapping[str, Any]) -> tuple[State, str]:
    status = obj.get("status") or {}
    wanted = status.get("desiredNumberScheduled", 0)
    updated, available = status.get("updatedNumberScheduled", 0), status.get("numberAvailable", 0)
    if not _observed(obj) or not status:
        return "progressing", "the new generation is not observed yet"
    if updated < wanted or available < wanted:
        return "progressing", f"{updated}/{wanted} updated, {available} available"
    return "ready", ""


def _workspace(obj: Mapping[str, Any]) -> tuple[State, str]:
    phase = (obj.get("status") or {}).get("phase") or "Pending"
    ready = _condition(obj, "Ready")
    if phase == "Failed":
        return "failed", str(ready.get("message") or "phase Failed")
    if phase == "Running" and ready.get("status") == "True":
        return "ready", ""
    return "progressing", f"phase {phase}" + (f": {ready['message']}" if ready.get("message") else "")


_ASSESSORS: dict[str, Callable[[Mapping[str, Any]], tuple[State, str]]] = {
    "Deployment": _deployment,
    "StatefulSet": _statefulset,
    "DaemonSet": _daemonset,
    "Workspace": _workspace,
}


def has_health(key: ObjectKey) -> bool:
    return key.kind in _ASSESSORS


def assess(obj: Mapping[str, Any]) -> ObjectHealth | None:
    """The object's health, or None for kinds that are ready once applied."""
    key = key_of(obj)
    assessor = _ASSESSORS.get(key.kind)
    if assessor is None:
        return None
    state, message = assessor(obj)
    return ObjectHealth(key, state, message)


def _poll(client: KubeClient, discovery: Discovery, keys: Sequence[ObjectKey], selector: str) -> dict[ObjectKey, Any]:
    """The live objects among `keys`: one labelled LIST per kind, however many objects are waited for."""
    found: dict[ObjectKey, Any] = {}
    for api_version, kind in sorted({(k.api_version, k.kind) for k in keys}):
        resource = discovery.resource(api_version, kind)
        for item in client.list(resource.collection_path(), selector):
            item["apiVersion"], item["kind"] = api_version, kind
            found[key_of(item)] = item
    return found


def wait(
    client: KubeClient,
    discovery: Discovery,
    current: Sequence[ObjectHealth],
    timeout: float,
    selector: str,
    poll_interval: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    report: Callable[[WaitStatus], None] = lambda _: None,
) -> list[ObjectHealth]:
    """Poll until every object is ready, one has failed, or `timeout` seconds pass; returns the last health.
    `selector` selects our objects (they carry our labels), so each poll is one LIST per kind. `report` hears
    where the wait stands before the first poll, after each, and once more when it ends (`done`)."""
    start = clock()
    deadline = start + timeout
    latest = {h.key: h for h in current}
    report(WaitStatus(0.0, timeout, tuple(latest.values())))
    while any(h.state == "progressing" for h in latest.values()) and clock() < deadline:
        time.sleep(min(poll_interval, max(0.0, deadline - clock())))
        pending = [k for k, h in latest.items() if h.state == "progressing"]
        try:
            live = _poll(client, discovery, pending, selector)
        except (KubeError, Unreachable, KindUnavailable) as exc:
            latest.update({k: ObjectHealth(k, "progressing", str(exc)) for k in pending})
        else:
            for key in pending:
                obj = live.get(key)
                if obj is None:
                    latest[key] = ObjectHealth(key, "failed", "deleted while waiting")
                else:
                    latest[key] = assess(obj) or latest[key]
            if any(h.state == "failed" for h in latest.values()):
                break
        report(WaitStatus(clock() - start, timeout, tuple(latest.values())))
    timed_out = clock() >= deadline
    final = [
        ObjectHealth(h.key, h.state, h.message or "timed out") if h.state == "progressing" and timed_out else h
        for h in latest.values()
    ]
    report(WaitStatus(clock() - start, timeout, tuple(final), done=True))
    return final
