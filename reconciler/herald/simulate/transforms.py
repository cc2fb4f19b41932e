"""Each simulated transform type, as Vector's src/transforms/* behaves for the events of one run.

A simulator takes the events a component receives (from every run at once, each tagged with its run) and
returns the events of each of its outputs (`None`: the default one). State — a sample's counters, a dedupe's
cache, a throttle's budget — is kept per run, as each test is a Vector run of its own. Time does not pass
within a run: a throttle lets `threshold` events per key through, and drops the rest.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.herald.components import Component
from reconciler.herald.simulate.conditions import judge_all, passing
from reconciler.herald.simulate.events import Event, Item
from reconciler.herald.simulate.values import Timestamp
from reconciler.herald.simulate.vrl_runtime import Unrunnable, run

Outputs = dict[str | None, list[Item]]
Simulator = Callable[[list[Item]], Outputs]
UNMATCHED = "_unmatched"
DROPPED = "dropped"
_TEMPLATE = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")
_DEDUPE_DEFAULT_FIELDS = ("timestamp", "host", "message")


def field_value(fields: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (`kubernetes.pod_name`), None when absent."""
    value: Any = fields
    for part in path.strip(".").split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def render_template(template: str, fields: Mapping[str, Any]) -> str | None:
    """A `{{ field }}` template rendered from the event; None when a field it names is missing."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        value = field_value(fields, match.group(1))
        if value is None:
            missing = True
            return ""
        return str(value) if not isinstance(value, bool) else str(value).lower()

    rendered = _TEMPLATE.sub(fill, template)
    return None if missing else rendered


def _excluded(component: Component, items: Sequence[Item]) -> list[bool]:
    condition = component.body.get("exclude")
    return [False] * len(items) if condition is None else passing(condition, [e for _, e in items])


def _remap(component: Component) -> Simulator:
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


def _filter(component: Component) -> Simulator:
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


def _route(component: Component) -> Simulator:
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


def _exclusive_route(component: Component) -> Simulator:
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


@dataclass
class _Sample:
    """Vector's sample: without `key_field`, the first of every `rate` events per group (counted per run), or
    for a `ratio`, events spread evenly at that ratio; with `key_field`, by a hash of the field's value, which
    here is a SHA-256 with the seed (Vector's seahash picks other values at the same rate)."""

    component: Component
    seed: int
    counters: dict[tuple[int, str | None], int] = field(default_factory=dict)

    def __call__(self, items: list[Item]) -> Outputs:
        body = self.component.body
        rate, ratio = body.get("rate"), body.get("ratio")
        if not isinstance(rate, int) and not isinstance(ratio, int | float):
            raise Unrunnable("it has neither `rate` nor `ratio`")
        label = str(rate) if isinstance(rate, int) else str(ratio)
        rate_key = body.get("sample_rate_key", "sample_rate")
        outputs: Outputs = {None: []}
        for (stream, event), excluded in zip(items, _excluded(self.component, items), strict=True):
            if excluded:
                outputs[None].append((stream, event))
                continue
            if not self._keeps(stream, event, rate, ratio):
                continue
            if rate_key:
                event = replace(event, fields={**event.fields, str(rate_key): label})
            outputs[None].append((stream, event))
        return outputs

    def _keeps(self, stream: int, event: Event, rate: Any, ratio: Any) -> bool:
        body = self.component.body
        key_field = body.get("key_field")
        if isinstance(key_field, str) and field_value(event.fields, key_field) is not None:
            value = str(field_value(event.fields, key_field))
            digest = int(hashlib.sha256(f"{self.seed}\0{value}".encode()).hexdigest(), 16)
            return digest % rate == 0 if isinstance(rate, int) else digest <= ratio * (1 << 256)
        group_by = body.get("group_by")
        group = render_template(group_by, event.fields) if isinstance(group_by, str) else None
        count = self.counters.get((stream, group), 0)
        self.counters[(stream, group)] = count + 1
        if isinstance(rate, int):
            return count % max(rate, 1) == 0
        return math.floor(count * ratio) != math.floor((count - 1) * ratio)  # the first, then every 1/ratio-th


def _sample(component: Component, seed: int) -> Simulator:
    return _Sample(component, seed)


def _flattened(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, Mapping) and value:
        return [pair for k, v in value.items() for pair in _flattened(v, f"{prefix}{k}.")]
    return [(prefix.rstrip("."), value)]


def _dedupe_key(event: Event, match: Sequence[str] | None, ignore: Sequence[str]) -> tuple[Any, ...]:
    """What makes two events the same: each matched field's name and typed value (missing differs from null)."""
    if match is not None:
        return tuple((name, _typed(field_value(event.fields, name), name, event)) for name in match)
    return tuple(
        (path, _typed(value, path, event))
        for path, value in sorted(_flattened(event.fields), key=lambda p: p[0])
        if path not in ignore
    )


def _typed(value: Any, path: str, event: Event) -> tuple[str, str]:
    present = value is not None or _has_path(event.fields, path)
    return (type(value).__name__ if present else "missing", repr(value))


def _has_path(fields: Mapping[str, Any], path: str) -> bool:
    parent, _, last = path.rpartition(".")
    holder = field_value(fields, parent) if parent else fields
    return isinstance(holder, Mapping) and last in holder


@dataclass
class _Dedupe:
    component: Component
    seen: dict[int, dict[tuple[Any, ...], None]] = field(default_factory=dict)

    def __call__(self, items: list[Item]) -> Outputs:
        fields = self.component.body.get("fields") or {}
        if not isinstance(fields, Mapping):
            raise Unrunnable("its `fields` is not a mapping")
        match = fields.get("match")
        ignore = fields.get("ignore") or []
        if match is None and not fields.get("ignore"):
            match = list(_DEDUPE_DEFAULT_FIELDS)
        cache = self.component.body.get("cache") or {}
        size = int(cache.get("num_events", 5000)) if isinstance(cache, Mapping) else 5000
        outputs: Outputs = {None: []}
        for stream, event in items:
            seen = self.seen.setdefault(stream, {})
            key = _dedupe_key(event, match, ignore)
            if key in seen:
                seen[key] = seen.pop(key)  # a least-recently-used cache: a hit refreshes it
                continue
            seen[key] = None
            if len(seen) > size:
                del seen[next(iter(seen))]
            outputs[None].append((stream, event))
        return outputs


@dataclass
class _Throttle:
    component: Component
    used: dict[tuple[int, str | None], int] = field(default_factory=dict)

    def __call__(self, items: list[Item]) -> Outputs:
        body = self.component.body
        threshold = body.get("threshold")
        if not isinstance(threshold, int):
            raise Unrunnable("its `threshold` is not a number")
        key_field = body.get("key_field")
        outputs: Outputs = {None: []}
        for (stream, event), excluded in zip(items, _excluded(self.component, items), strict=True):
            if excluded:
                outputs[None].append((stream, event))
                continue
            key = render_template(key_field, event.fields) if isinstance(key_field, str) else None
            used = self.used.get((stream, key), 0)
            if used < threshold:
                self.used[(stream, key)] = used + 1
                outputs[None].append((stream, event))
        return outputs


def _log_to_metric(component: Component) -> Simulator:
    configs = [m for m in component.body.get("metrics") or [] if isinstance(m, Mapping)]
    unsupported = sorted({str(m.get("type")) for m in configs if m.get("type") not in ("counter", "gauge")})
    if unsupported or component.body.get("all_metrics"):
        what = ", ".join(unsupported) or "all_metrics"
        raise Unrunnable(f"only counter and gauge metrics are simulated, not {what}")

    def simulate(items: list[Item]) -> Outputs:
        outputs: Outputs = {None: []}
        for stream, event in items:
            for config in configs:
                metric = _metric(config, event)
                if metric is not None:
                    outputs[None].append((stream, metric))
        return outputs

    return simulate


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _metric(config: Mapping[str, Any], event: Event) -> Event | None:
    """One metric of `log_to_metric` from one log, or None where Vector makes none (a missing field, a value
    that is not a number, a name or namespace whose template cannot be rendered)."""
    source_field = str(config.get("field", ""))
    value = field_value(event.fields, source_field)
    if value is None:
        return None
    if config.get("type") == "counter":
        amount = _number(value) if config.get("increment_by_value") else 1.0
        kind = config.get("kind", "incremental")
        measured: dict[str, Any] = {"counter": {"value": amount}}
    else:
        amount = _number(value)
        kind = "absolute"
        measured = {"gauge": {"value": amount}}
    name = render_template(str(config.get("name", source_field)), event.fields)
    namespace = config.get("namespace")
    rendered_namespace = render_template(str(namespace), event.fields) if namespace is not None else None
    if amount is None or name is None or (namespace is not None and rendered_namespace is None):
        return None
    fields: dict[str, Any] = {"name": name}
    if rendered_namespace is not None:
        fields["namespace"] = rendered_namespace
    tags = {
        str(k): rendered
        for k, v in (config.get("tags") or {}).items()
        if (rendered := render_template(str(v), event.fields)) is not None
    }
    if tags:
        fields["tags"] = tags
    timestamp = event.fields.get("timestamp")
    if isinstance(timestamp, Timestamp):
        fields["timestamp"] = timestamp
    fields["kind"] = kind
    fields.update(measured)
    return Event("metric", fields, {}, event.unsimulated)


def simulator(component: Component, type_name: str, seed: int) -> Simulator:
    """The simulator of a transform; raises `Unrunnable` for a type (or a configuration) that is not simulated."""
    makers: dict[str, Callable[[], Simulator]] = {
        "remap": lambda: _remap(component),
        "filter": lambda: _filter(component),
        "route": lambda: _route(component),
        "exclusive_route": lambda: _exclusive_route(component),
        "sample": lambda: _sample(component, seed),
        "dedupe": lambda: _Dedupe(component),
        "throttle": lambda: _Throttle(component),
        "log_to_metric": lambda: _log_to_metric(component),
    }
    maker = makers.get(type_name)
    if maker is None:
        raise Unrunnable(f"`{type_name}` transforms are not simulated")
    return maker()
