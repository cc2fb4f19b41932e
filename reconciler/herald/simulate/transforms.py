"""Each simulated transform type, as Vector's src/transforms/* behaves for the events of one run: `routing`
(remap, filter, route, exclusive_route), `stateful` (sample, dedupe, throttle) and `metrics` (log_to_metric).

A simulator takes the events a component receives (from every run at once, each tagged with its run) and
returns the events of each of its outputs (`None`: the default one).
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.herald.components import Component
from reconciler.herald.simulate import metrics, routing, stateful
from reconciler.herald.simulate.events import Simulator
from reconciler.herald.simulate.vrl_runtime import Unrunnable


def simulator(component: Component, type_name: str, seed: int) -> Simulator:
    """The simulator of a transform; raises `Unrunnable` for a type (or a configuration) that is not simulated."""
    makers: dict[str, Callable[[], Simulator]] = {
        "remap": lambda: routing.remap(component),
        "filter": lambda: routing.filter_(component),
        "route": lambda: routing.route(component),
        "exclusive_route": lambda: routing.exclusive_route(component),
        "sample": lambda: stateful.Sample(component, seed),
        "dedupe": lambda: stateful.Dedupe(component),
        "throttle": lambda: stateful.Throttle(component),
        "log_to_metric": lambda: metrics.log_to_metric(component),
    }
    maker = makers.get(type_name)
    if maker is None:
        raise Unrunnable(f"`{type_name}` transforms are not simulated")
    return maker()
