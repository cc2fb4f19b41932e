"""The pipeline DAG laid out left to right: every edge goes rightwards, globs and named outputs are edges too."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any, cast

from reconciler.model.kinds import Pipeline
from sitegen.pipeline_graph import Edge, graph, pipeline_svg


def pipeline(**sections: dict[str, Any]) -> Pipeline:
    empty: dict[str, Any] = {}
    return cast(Pipeline, SimpleNamespace(**{"sources": empty, "transforms": empty, "sinks": empty} | sections))


def test_edges_follow_inputs_globs_and_named_outputs_and_run_left_to_right() -> None:
    p = pipeline(
        sources={"app_a": {"type": "file"}, "app_b": {"type": "file"}},
        transforms={
            "merge": {"type": "remap", "inputs": ["app_*"]},
            "split": {"type": "route", "inputs": "merge", "route": {"err": "true"}},
        },
        sinks={"out": {"type": "console", "inputs": ["split.err", "split._unmatched"]}},
    )
    nodes, edges = graph(p)
    assert [n.id for n in nodes] == ["app_a", "app_b", "merge", "split", "out"]
    assert set(edges) == {
        Edge("app_a", "merge", None),
        Edge("app_b", "merge", None),
        Edge("merge", "split", None),
        Edge("split", "out", "err"),
        Edge("split", "out", "_unmatched"),
    }
    svg = str(pipeline_svg(nodes, edges, "p"))
    x = {cid: int(pos) for cid, pos in re.findall(r'data-component="([^"]+)"><rect x="(\d+)"', svg)}
    assert all(x[e.source] < x[e.target] for e in edges)
    assert x["app_a"] == x["app_b"]  # sources share the first column
    labels = re.findall(r'class="portal-edge-label" x="\d+" y="(\d+)">([^<]+)<', svg)
    assert {text for _, text in labels} == {"err", "_unmatched"}
    assert len({y for y, _ in labels}) == 2  # two outputs into one sink: their labels do not overlap


def test_names_are_escaped_in_the_svg() -> None:
    p = pipeline(sources={"a": {"type": "<script>x</script>"}})
    svg = str(pipeline_svg(*graph(p), '"><script>y</script>'))
    assert "<script>" not in svg
    assert "&lt;script&gt;x&lt;/script&gt;" in svg
