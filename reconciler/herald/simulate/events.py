"""Events as the simulator carries them: a log's fields, or a metric in Vector's own shape."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from reconciler.herald.simulate.values import to_json

EventKind = Literal["log", "metric"]
# What a VRL program sees of a metric (Vector's metric target); its value is not readable from VRL.
METRIC_PATHS = ("name", "namespace", "tags", "kind", "timestamp")
METRIC_VALUES = ("counter", "gauge", "set", "distribution", "aggregated_histogram", "aggregated_summary")


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    fields: Mapping[str, Any]  # a log's fields; a metric's name, namespace, tags, kind, timestamp and value
    metadata: Mapping[str, Any] = field(default_factory=dict)
    # The components this event crossed that are not simulated, each with why: what comes out is not what
    # Vector would send.
    unsimulated: tuple[str, ...] = ()

    def vrl_view(self) -> dict[str, Any]:
        """The event as `.` in a VRL program."""
        if self.kind == "log":
            return dict(self.fields)
        view = {k: self.fields[k] for k in METRIC_PATHS if k in self.fields}
        view["type"] = next((k for k in METRIC_VALUES if k in self.fields), "counter")
        return view

    def with_vrl_result(self, value: Mapping[str, Any], metadata: Mapping[str, Any]) -> Event:
        """The event as a program left `.` and `%`."""
        if self.kind == "log":
            return replace(self, fields=dict(value), metadata=dict(metadata))
        fields = {k: v for k, v in self.fields.items() if k not in METRIC_PATHS}
        fields.update({k: value[k] for k in METRIC_PATHS if value.get(k) is not None})
        return replace(self, fields=fields, metadata=dict(metadata))

    def crossed(self, reason: str) -> Event:
        return replace(self, unsimulated=(*self.unsimulated, reason))

    def to_json(self) -> dict[str, Any]:
        """As Vector prints events in its test reports: a log's fields, or the metric."""
        return to_json(dict(self.fields))

    def json_text(self) -> str:
        """`to_json` on one line, keys sorted."""
        return json.dumps(self.to_json(), sort_keys=True, default=str)


# An event and the run it belongs to: the simulator runs many independent runs (tests) at once.
Item = tuple[int, Event]
# A transform's events by output (None: the default one), and a simulated transform: what it emits from what
# it receives.
Outputs = dict[str | None, list[Item]]
Simulator = Callable[[list[Item]], Outputs]
