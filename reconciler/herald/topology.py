"""The shape of a pipeline's graph: ids, inputs, named outputs, cycles and the event kinds along each edge."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.herald.catalog import ALL_EVENT_KINDS, ComponentType, EventKinds
from reconciler.herald.components import Component
from reconciler.model import Diagnostic, Document, error
from reconciler.model.suggestions import did_you_mean

# Vector keys; no '.', which separates a component from its named output (the kind schema says the same).
COMPONENT_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Edge:
    upstream: str  # component id
    output: str | None  # named output, None for the default one
    downstream: Component
    input_index: int


def _kinds_text(kinds: EventKinds) -> str:
    return ", ".join(sorted(kinds)) or "nothing"


def output_label(cid: str, output: str | None) -> str:
    return cid if output is None else f"{cid}.{output}"


class _Graph:
    """One pipeline's graph while it is being checked; findings collect in `findings`."""

    def __init__(self, components: list[Component], types: Mapping[str, ComponentType | None], doc: Document):
        self.doc = doc
        self.types = types
        self.findings: list[Diagnostic] = []
        self.by_id: dict[str, Component] = {}
        self.edges: list[Edge] = []
        for component in components:
            self._register(component)

    def fail(self, message: str, *path: str | int) -> None:
        self.findings.append(error(message, self.doc.location(*path), self.doc.subject))

    def _register(self, component: Component) -> None:
        if not COMPONENT_ID.match(component.id):
            self.fail(
                f"{component.label}: invalid component id {component.id!r}: use letters, digits, '_' and '-' "
                "('.' separates a component from its named output)",
                *component.path,
            )
        first = self.by_id.get(component.id)
        if first is not None:
            self.fail(
                f"{component.label}: component id `{component.id}` is also used by {first.label}; "
                "ids must be unique across sources, transforms and sinks",
                *component.path,
            )
            return
        self.by_id[component.id] = component

    def outputs(self, component: Component) -> dict[str | None, EventKinds | None]:
        ctype = self.types.get(component.id)
        if component.kind == "sink":
            return {}
        if ctype is None:  # unknown type, reported elsewhere: accept any output name
            return {None: ALL_EVENT_KINDS}
        return ctype.outputs_for(component.body)

    def resolve_inputs(self) -> None:
        for component in self.by_id.values():
            inputs = component.inputs
            if component.kind == "source":
                if inputs or "inputs" in component.body:
                    self.fail(f"{component.label}: a source takes no inputs", *component.path, "inputs")
                continue
            if not inputs:
                self.fail(
                    f"{component.label}: a {component.kind} needs at least one input (`inputs: [...]`)",
                    *component.path,
                )
            for index, name in enumerate(inputs):
                self._resolve(component, index, name)

    def _resolve(self, component: Component, index: int, name: str) -> None:
        where = component.input_path(index)
        if "*" in name:  # Vector expands wildcards over every component output
            matches = [
                (cid, out)
                for cid, other in self.by_id.items()
                if other is not component
                for out in self.outputs(other)
                if fnmatch.fnmatchcase(output_label(cid, out), name)
            ]
            if not matches:
                self.fail(f"{component.label}: input `{name}` matches no component", *where)
            self.edges.extend(Edge(cid, out, component, index) for cid, out in matches)
            return
        cid, _, output_name = name.partition(".")
        output = output_name or None
        upstream = self.by_id.get(cid)
        if upstream is None:
            known = [output_label(c, o) for c, u in self.by_id.items() for o in self.outputs(u)]
            hint = did_you_mean(name, known)
            self.fail(f"{component.label}: input `{name}` does not exist in this pipeline{hint}", *where)
            return
        if upstream.kind == "sink":
            self.fail(f"{component.label}: input `{name}` is a sink; sinks have no outputs", *where)
            return
        if upstream is component:
            self.fail(f"{component.label}: `{name}` is its own input", *where)
            return
        outputs = self.outputs(upstream)
        if output not in outputs:
            available = ", ".join(f"`{output_label(cid, o)}`" for o in outputs) or "none"
            if output is None:
                message = f"input `{name}`: {upstream.label} has no default output; use one of {available}"
            else:
                message = f"input `{name}`: {upstream.label} has no output `{output}`; its outputs are {available}"
            self.fail(f"{component.label}: {message}", *where)
            return
        self.edges.append(Edge(cid, output, component, index))

    def check_ends(self) -> None:
        for kind, section in (("source", "sources"), ("sink", "sinks")):
            if not any(c.kind == kind for c in self.by_id.values()):
                self.fail(f"a pipeline needs at least one {kind}", "spec", section)

    def find_cycle(self) -> list[str] | None:
        """One cycle's path (first id repeated at the end), or None; only transforms can form one."""
        successors: dict[str, list[str]] = {}
        for edge in self.edges:
            successors.setdefault(edge.upstream, []).append(edge.downstream.id)
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for start in sorted(self.by_id):
            if state.get(start):
                continue
            stack: list[tuple[str, int]] = [(start, 0)]
            path: list[str] = [start]
            state[start] = 1
            while stack:
                node, i = stack[-1]
                nexts = sorted(successors.get(node, []))
                if i < len(nexts):
                    stack[-1] = (node, i + 1)
                    nxt = nexts[i]
                    if state.get(nxt) == 1:
                        return [*path[path.index(nxt) :], nxt]
                    if not state.get(nxt):
                        state[nxt] = 1
                        stack.append((nxt, 0))
                        path.append(nxt)
                else:
                    state[node] = 2
                    stack.pop()
                    path.pop()
        return None

    def check_event_kinds(self) -> None:
        """Every edge must carry an event kind its downstream accepts (Vector refuses the config otherwise)."""
        received: dict[str, EventKinds] = {}
        emitted: dict[tuple[str, str | None], EventKinds] = {}
        incoming: dict[str, list[Edge]] = {}
        for edge in self.edges:
            incoming.setdefault(edge.downstream.id, []).append(edge)
        for cid in self._topological_order():
            component = self.by_id[cid]
            ctype = self.types.get(cid)
            kinds: EventKinds = frozenset()
            for edge in incoming.get(cid, []):
                carried = emitted.get((edge.upstream, edge.output), ALL_EVENT_KINDS)
                accepted = ctype.accepted_kinds(component.body) if ctype is not None else ALL_EVENT_KINDS
                if ctype is not None and carried and not carried & accepted:
                    self.fail(
                        f"{component.label}: {ctype.name} accepts {_kinds_text(accepted)} only, but input "
                        f"`{output_label(edge.upstream, edge.output)}` carries {_kinds_text(carried)}",
                        *component.input_path(edge.input_index),
                    )
                kinds |= carried
            received[cid] = kinds
            own = ctype.output_kinds(kinds, component.body) if ctype is not None else kinds or ALL_EVENT_KINDS
            for output, declared in self.outputs(component).items():
                emitted[(cid, output)] = own if declared is None else declared

    def _topological_order(self) -> list[str]:
        indegree = {cid: 0 for cid in self.by_id}
        successors: dict[str, list[str]] = {}
        for edge in self.edges:
            indegree[edge.downstream.id] += 1
            successors.setdefault(edge.upstream, []).append(edge.downstream.id)
        ready = sorted(cid for cid, n in indegree.items() if n == 0)
        order: list[str] = []
        while ready:
            cid = ready.pop()
            order.append(cid)
            for nxt in successors.get(cid, []):
                indegree[nxt] -= 1
                if indegree[nxt] == 0:
                    ready.append(nxt)
        return order


def check_topology(
    components: list[Component], types: Mapping[str, ComponentType | None], doc: Document
) -> list[Diagnostic]:
    graph = _Graph(components, types, doc)
    graph.resolve_inputs()
    graph.check_ends()
    cycle = graph.find_cycle()
    if cycle is not None:
        first = graph.by_id[cycle[0]]
        graph.fail(f"{first.label}: the inputs form a cycle: {' -> '.join(cycle)}", *first.path, "inputs")
    else:
        graph.check_event_kinds()
    return graph.findings
