"""The transforms that remember what they saw: `sample`, `dedupe` and `throttle` (src/transforms/sample,
dedupe, throttle). Their state is kept per run, as each test is a Vector run of its own; time does not pass
within a run, so a throttle lets `threshold` events per key through and drops the rest."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.herald.components import Component
from reconciler.herald.simulate.conditions import passing
from reconciler.herald.simulate.events import Event, Item, Outputs
from reconciler.herald.simulate.fields import field_value, render_template
from reconciler.herald.simulate.vrl_runtime import Unrunnable

_DEDUPE_DEFAULT_FIELDS = ("timestamp", "host", "message")


def _excluded(component: Component, items: Sequence[Item]) -> list[bool]:
    condition = component.body.get("exclude")
    return [False] * len(items) if condition is None else passing(condition, [e for _, e in items])


@dataclass
class Sample:
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
class Dedupe:
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
class Throttle:
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
