"""A pipeline's DAG as inline SVG, laid out left to right on the server: no script draws it.

Each component sits in the column of its longest path from a source; sources, transforms and sinks differ by
class (and shape), and an edge from a named output carries that output's name.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from markupsafe import Markup, escape

from reconciler.model.kinds import Pipeline

NODE_WIDTH, NODE_HEIGHT = 180, 44
COLUMN_GAP, ROW_GAP, MARGIN = 80, 24, 12


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    section: str  # source, transform, sink
    type: str
    inputs: tuple[str, ...]  # as written: ids, `id.output`s, globs


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    output: str | None  # the named output the edge leaves from


def graph(pipeline: Pipeline) -> tuple[list[Node], list[Edge]]:
    nodes: list[Node] = []
    for section, components in (
        ("source", pipeline.sources),
        ("transform", pipeline.transforms),
        ("sink", pipeline.sinks),
    ):
        for cid, body in components.items():
            inputs = body.get("inputs") or []
            written = tuple(str(i) for i in ([inputs] if isinstance(inputs, str) else inputs))
            nodes.append(Node(cid, section, str(body.get("type", "")), written))
    ids = [n.id for n in nodes]
    edges: list[Edge] = []
    for target, written in ((node.id, written) for node in nodes for written in node.inputs):
        if written in ids:
            edges.append(Edge(written, target, None))
        elif any(ch in written for ch in "*?["):
            edges += [Edge(i, target, None) for i in ids if i != target and fnmatch.fnmatchcase(i, written)]
        else:
            head, _, output = written.rpartition(".")
            if head in ids:
                edges.append(Edge(head, target, output))
    return nodes, edges


def _columns(nodes: list[Node], edges: list[Edge]) -> dict[str, int]:
    column = {n.id: 0 for n in nodes}
    # Longest path by relaxation; a cycle (refused by validation) stops after len(nodes) rounds.
    for _ in range(len(nodes)):
        changed = False
        for e in edges:
            if column[e.target] < column[e.source] + 1:
                column[e.target] = column[e.source] + 1
                changed = True
        if not changed:
            break
    return column


def pipeline_svg(nodes: list[Node], edges: list[Edge], name: str) -> Markup:
    column = _columns(nodes, edges)
    rows: dict[int, int] = {}
    place: dict[str, tuple[int, int]] = {}
    for node in nodes:
        col = column[node.id]
        row = rows.get(col, 0)
        rows[col] = row + 1
        place[node.id] = (MARGIN + col * (NODE_WIDTH + COLUMN_GAP), MARGIN + row * (NODE_HEIGHT + ROW_GAP))
    width = MARGIN * 2 + (max(column.values(), default=0) + 1) * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP
    height = MARGIN * 2 + max(rows.values(), default=1) * (NODE_HEIGHT + ROW_GAP) - ROW_GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portal-graph" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="graph-title">'
        f'<title id="graph-title">Pipeline {escape(name)}: {len(nodes)} components</title>'
    ]
    labels_at: dict[str, int] = {}  # labelled edges into each target so far: their labels stack upwards
    for e in edges:
        x1, y1 = place[e.source][0] + NODE_WIDTH, place[e.source][1] + NODE_HEIGHT // 2
        x2, y2 = place[e.target][0], place[e.target][1] + NODE_HEIGHT // 2
        mid = (x1 + x2) // 2
        parts.append(
            f'<path class="portal-edge" d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" data-from="{escape(e.source)}" '
            f'data-to="{escape(e.target)}"/>'
        )
        if e.output:
            stacked = labels_at.get(e.target, 0)
            labels_at[e.target] = stacked + 1
            y = y2 - 4 - 11 * stacked
            parts.append(f'<text class="portal-edge-label" x="{x2 - 6}" y="{y}">{escape(e.output)}</text>')
    for node in nodes:
        x, y = place[node.id]
        radius = 4 if node.section == "transform" else 18  # sources and sinks rounded, transforms square
        kind = f"{escape(node.section)}: {escape(node.type)}"
        parts.append(
            f'<g class="portal-node portal-node--{node.section}" data-component="{escape(node.id)}">'
            f'<rect x="{x}" y="{y}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="{radius}"/>'
            f'<text x="{x + 10}" y="{y + 18}" class="portal-node-id">{escape(node.id)}</text>'
            f'<text x="{x + 10}" y="{y + 34}" class="portal-node-type">{kind}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
