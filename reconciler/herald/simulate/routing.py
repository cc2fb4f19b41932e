"""The transforms that send each event on, changed or not, by a program or conditions: `remap`, `filter`,
`route` and `exclusive_route`, as Vector's src/transforms/{remap,filter,route}.rs and exclusive_route/ do."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from reconciler.herald.components import Component
from reconciler.herald.simulate.conditions import judge_all, passing
from reconciler.herald.simulate.events import Event, Item, Outputs, Simulator
from reconciler.herald.simulate.vrl_runtime import Unrunnable, run

UNMATCHED = "_unmatched"
DROPPED = "dropped"


def remap(component: Component) -> Simulator:
    body = component.body
    program = body.get("source")
    if not isinstance(program, str):
        raise Unrunnable("its program is read from `file`/`files` on the cluster")
    drop_on_error = body.get("drop_on_error", False) is True
    drop_on_abort = body.get("drop_on_abort", True) is not False
    reroute = body.get("reroute_dropped", False) is True

    def simulate(items: list[Item]) -> Outputs:
        outcomes = run(program, [(e.vrl_view(), e.metadata) for _, e in items])
        outputs: Outputs = {None: [], DROPPED: []}
        for (stream, event), outcome in zip(items, outcomes, strict=True):
            if outcome.ok:
                values = outcome.event if isinstance(outcome.event, list) else [outcome.event]
                for value in values:
                    fields = value if isinstance(value, Mapping) else {"message": value}
                    outputs[None].append((stream, event.with_vrl_result(fields, outcome.metadata)))
                continue
            reason, message, drop = (
                ("error", outcome.error, drop_on_error)
                if outcome.error is not None
                else ("abort", outcome.aborted, drop_on_abort)
            )
            if not drop:
                outputs[None].append((stream, event))
            elif reroute:
                outputs[DROPPED].append((stream, _annotate_dropped(event, component.id, reason, message or "")))
        return outputs

    return simulate


def _annotate_dropped(event: Event, component_id: str, reason: str, message: str) -> Event:
    """As Vector marks an event a remap rerouted to `dropped` (the legacy namespace's `metadata.dropped`)."""
    dropped = {
        "reason": reason,
        "message": message,
        "component_id": component_id,
        "component_type": "remap",
        "component_kind": "transform",
    }
    if event.kind == "log":
        fields = dict(event.fields)
        metadata = dict(fields.get("metadata") or {}) if isinstance(fields.get("metadata"), Mapping) else {}
        fields["metadata"] = {**metadata, "dropped": dropped}
        return replace(event, fields=fields)
    tags = dict(event.fields.get("tags") or {})
    tags.update({f"metadata.dropped.{k}": v for k, v in dropped.items() if k != "message"})
    return replace(event, fields={**event.fields, "tags": tags})


def filter_(component: Component) -> Simulator:
    condition = component.body.get("condition")

    def simulate(items: list[Item]) -> Outputs:
        kept = passing(condition, [e for _, e in items])
        return {None: [item for item, keep in zip(items, kept, strict=True) if keep]}

    return simulate


def _judged(conditions: Sequence[Any], items: Sequence[Item]) -> list[list[bool]]:
    """Per condition, whether each event passes it: all judged in one call to the runtime."""
    events = [e for _, e in items]
    verdicts = judge_all([(condition, events) for condition in conditions])
    for verdict in verdicts:
        if isinstance(verdict, Unrunnable):
            raise verdict
    return [[reason is None for reason in v] for v in verdicts if not isinstance(v, Unrunnable)]


def route(component: Component) -> Simulator:
    routes = component.body.get("route") or {}
    if not isinstance(routes, Mapping):
        raise Unrunnable("its `route` is not a mapping of output names to conditions")
    unmatched = component.body.get("reroute_unmatched", True) is not False

    def simulate(items: list[Item]) -> Outputs:
        verdicts = _judged(list(routes.values()), items)
        outputs: Outputs = {
            str(name): [item for item, ok in zip(items, passed, strict=True) if ok]
            for name, passed in zip(routes, verdicts, strict=True)
        }
        if unmatched:
            outputs[UNMATCHED] = [item for index, item in enumerate(items) if not any(v[index] for v in verdicts)]
        return outputs

    return simulate


def exclusive_route(component: Component) -> Simulator:
    routes = [r for r in component.body.get("routes") or [] if isinstance(r, Mapping)]

    def simulate(items: list[Item]) -> Outputs:
        names = [str(r.get("name")) for r in routes]
        outputs: Outputs = {name: [] for name in [*names, UNMATCHED]}
        verdicts = _judged([r.get("condition") for r in routes], items)
        for index, item in enumerate(items):  # the first route that matches takes the event
            first = next((name for name, passed in zip(names, verdicts, strict=True) if passed[index]), UNMATCHED)
            outputs[first].append(item)
        return outputs

    return simulate
