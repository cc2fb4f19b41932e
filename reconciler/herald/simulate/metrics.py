"""`log_to_metric` (src/transforms/log_to_metric.rs) for counters and gauges: a metric per log and per
configured metric whose field the log has."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.herald.components import Component
from reconciler.herald.simulate.events import Event, Item, Outputs, Simulator
from reconciler.herald.simulate.fields import field_value, render_template
from reconciler.herald.simulate.values import Timestamp
from reconciler.herald.simulate.vrl_runtime import Unrunnable


def log_to_metric(component: Component) -> Simulator:
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
