"""Sampling where Vector leaves the choice to chance: deterministic here, by counting or by a seeded hash."""

from __future__ import annotations

from reconciler.herald.simulate.events import Event
from reconciler.herald.simulate.graph import PipelineGraph
from tests.herald.simulation import pipeline_of


def test_sampling_by_key_is_deterministic_for_a_seed() -> None:
    config = {"transforms": {"s": {"type": "sample", "inputs": [], "rate": 3, "key_field": "id"}}, "tests": []}
    graph = PipelineGraph(pipeline_of(config))
    events = [("s", Event("log", {"id": str(n)})) for n in range(60)]
    kept = [[e.fields["id"] for e in graph.send([events], seed=seed)[0].outputs[("s", None)]] for seed in (1, 1, 2)]
    assert kept[0] == kept[1] != kept[2]
    assert 5 < len(kept[0]) < 40


def test_sampling_by_ratio_keeps_the_first_event_and_spreads_the_rest_evenly() -> None:
    config = {"transforms": {"s": {"type": "sample", "inputs": [], "ratio": 0.25}}, "tests": []}
    graph = PipelineGraph(pipeline_of(config))
    (run,) = graph.send([[("s", Event("log", {"n": n})) for n in range(10)]])
    assert [e.fields["n"] for e in run.outputs[("s", None)]] == [0, 4, 8]
    assert {e.fields["sample_rate"] for e in run.outputs[("s", None)]} == {"0.25"}
