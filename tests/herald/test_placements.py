"""Which pipelines run where: every (cluster, role) any target selects, by labels or by name, pipelines sorted by
name, however many pipelines share a way of selecting."""

from __future__ import annotations

from reconciler.herald.merge import conflicts
from reconciler.herald.placing import placements
from tests.herald.builders import AGENT_ON_PRD, APP_LOGS, cluster_named, model_of, pipeline_named

CLUSTERS = (
    cluster_named("a", "{env: prd, region: eu}"),
    cluster_named("b", "{env: prd, region: us}"),
    cluster_named("c", "{env: dev, region: eu}"),
)


def test_placements_by_labels_names_and_overlapping_targets() -> None:
    model = model_of(
        *CLUSTERS,
        pipeline_named("p2", AGENT_ON_PRD),
        pipeline_named("p1", AGENT_ON_PRD),  # written as p2's: the same placements, in name order
        pipeline_named(
            "p3",
            "    - clusters: {names: [c, a]}\n      role: aggregator\n"
            "    - clusters: {matchLabels: {env: prd}}\n      role: aggregator\n",  # overlaps the first on a
        ),
        pipeline_named("p4", "    - clusters: {matchLabels: {region: eu}}\n      role: agent\n"),
        pipeline_named("p5", "    - clusters: {matchLabels: {env: staging}}\n      role: agent\n"),  # selects nothing
    )
    found = {place: [p.name for p in pipelines] for place, pipelines in placements(model).items()}
    assert found == {
        ("a", "agent"): ["p1", "p2", "p4"],
        ("a", "aggregator"): ["p3"],
        ("b", "agent"): ["p1", "p2"],
        ("b", "aggregator"): ["p3"],
        ("c", "agent"): ["p4"],
        ("c", "aggregator"): ["p3"],
    }
    assert list(found) == sorted(found)


def test_a_clash_is_found_on_every_placement_where_the_pipelines_meet() -> None:
    clashing = APP_LOGS.replace("name: app-logs", "name: more-logs")  # the same component ids
    model = model_of(*CLUSTERS, APP_LOGS, clashing)
    places = {c.placement for c in conflicts(model)}
    assert places == {("a", "agent"), ("b", "agent")}
    assert {(c.first.name, c.second.name) for c in conflicts(model)} == {("app-logs", "more-logs")}
