"""Events sent through one pipeline: put in at sources or transforms, carried along the edges, through every
transform, to every output and sink they reach. Many runs (one per test) go through at once, each component
taking the events of all runs in one batch, so a VRL program is compiled once per component, not per test."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reconciler.herald.catalog import Catalog, default_catalog
from reconciler.herald.components import Component, pipeline_components
from reconciler.herald.simulate.events import Event, Item, Simulator
from reconciler.herald.simulate.transforms import simulator
from reconciler.herald.simulate.vrl_runtime import Unrunnable
from reconciler.herald.topology import output_label
from reconciler.model.kinds import Pipeline

Port = tuple[str, str | None]  # (component id, named output or None)


def _port_order(output: str | None) -> tuple[bool, bool]:
    """The default output first, then the named ones as written, then those Vector adds (`_unmatched`,
    `dropped`)."""
    return output is not None, output is not None and (output.startswith("_") or output == "dropped")


@dataclass(frozen=True, slots=True)
class Step:
    """What one component did with one run's events."""

    component: Component
    type_name: str
    received: tuple[Event, ...]
    outputs: Mapping[str | None, tuple[Event, ...]]
    unsimulated: str | None = None  # why the component is not simulated: the events only passed through


@dataclass
class Run:
    """One run's events: what each component did, what each output carried and what reached each sink."""

    steps: list[Step] = field(default_factory=list)
    outputs: dict[Port, list[Event]] = field(default_factory=dict)
    sinks: dict[str, list[Event]] = field(default_factory=dict)


class PipelineGraph:
    """A pipeline's components and edges, ready to carry events (see `send`)."""

    def __init__(self, pipeline: Pipeline, catalog: Catalog | None = None) -> None:
        catalog = catalog or default_catalog()
        self.components = {c.id: c for c in pipeline_components(pipeline)}
        self.type_names: dict[str, str] = {}
        self.ports: dict[str, tuple[str | None, ...]] = {}
        for cid, component in self.components.items():
            ctype = catalog.lookup(component.kind, component.type_name)
            self.type_names[cid] = ctype.name if ctype else component.type_name
            outputs = ctype.outputs_for(component.body) if ctype else {None: None}
            self.ports[cid] = () if component.kind == "sink" else tuple(sorted(outputs, key=_port_order))
        self.inputs = {cid: self._resolve(c) for cid, c in self.components.items() if c.kind != "source"}

    def _resolve(self, component: Component) -> list[Port]:
        ports: list[Port] = []
        for name in component.inputs:
            if "*" in name:
                ports += [
                    (cid, out)
                    for cid, outs in self.ports.items()
                    if cid != component.id
                    for out in outs
                    if fnmatch.fnmatchcase(output_label(cid, out), name)
                ]
            else:
                cid, _, output = name.partition(".")
                ports.append((cid, output or None))
        return ports

    def transforms_in_order(self) -> list[str]:
        """Transforms, each after every transform it reads from (a cycle, refused by validation, ends the list)."""
        transforms = [cid for cid, c in self.components.items() if c.kind == "transform"]
        done: set[str] = set()
        order: list[str] = []
        while len(order) < len(transforms):
            ready = [
                cid
                for cid in transforms
                if cid not in done and all(up in done for up, _ in self.inputs[cid] if up in transforms)
            ]
            if not ready:
                break
            order += ready
            done.update(ready)
        return order

    def send(self, runs: Sequence[Sequence[tuple[str, Event]]], seed: int = 0) -> list[Run]:
        """Each run's events, put in where named (a source: as its output; a transform: as its input), carried
        through the pipeline."""
        results = [Run() for _ in runs]
        emitted: dict[Port, list[Item]] = {}
        put_in: dict[str, list[Item]] = {}
        for stream, events in enumerate(runs):
            for target, event in events:
                if self.components[target].kind == "source":  # its default output, else every named one
                    ports = (None,) if None in self.ports[target] else self.ports[target]
                    for port in ports:
                        emitted.setdefault((target, port), []).append((stream, event))
                else:
                    put_in.setdefault(target, []).append((stream, event))
        for cid in self.transforms_in_order():
            items = put_in.get(cid, []) + [item for port in self.inputs[cid] for item in emitted.get(port, [])]
            if not items:
                continue
            outputs, why = self._step(cid, items, seed)
            for output, produced in outputs.items():
                emitted[(cid, output)] = produced
            self._record(results, cid, items, outputs, why)
        for cid, component in self.components.items():
            if component.kind == "source":
                for port in self.ports[cid]:
                    for stream, event in emitted.get((cid, port), []):
                        results[stream].outputs.setdefault((cid, port), []).append(event)
            if component.kind == "sink":
                for port in self.inputs[cid]:
                    for stream, event in emitted.get(port, []):
                        results[stream].sinks.setdefault(cid, []).append(event)
        return results

    def _step(self, cid: str, items: list[Item], seed: int) -> tuple[dict[str | None, list[Item]], str | None]:
        component = self.components[cid]
        try:
            simulate: Simulator = simulator(component, self.type_names[cid], seed)
            outputs = simulate(items)
            return {output: outputs.get(output, []) for output in self.ports[cid]}, None
        except Unrunnable as exc:
            mark = f"{component.label} is not simulated: {exc}"
            passed = [(stream, event.crossed(mark)) for stream, event in items]
            return {output: list(passed) for output in self.ports[cid]}, str(exc)

    def _record(
        self,
        results: list[Run],
        cid: str,
        items: list[Item],
        outputs: Mapping[str | None, list[Item]],
        why: str | None,
    ) -> None:
        per_run: dict[int, dict[str | None, list[Event]]] = {}
        received: dict[int, list[Event]] = {}
        for stream, event in items:
            received.setdefault(stream, []).append(event)
            per_run.setdefault(stream, {output: [] for output in outputs})
        for output, produced in outputs.items():
            for stream, event in produced:
                per_run.setdefault(stream, {o: [] for o in outputs})[output].append(event)
                results[stream].outputs.setdefault((cid, output), []).append(event)
        for stream, events in received.items():
            by_output = {output: tuple(events_out) for output, events_out in per_run[stream].items()}
            results[stream].steps.append(
                Step(self.components[cid], self.type_names[cid], tuple(events), by_output, why)
            )
