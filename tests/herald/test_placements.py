"""Which pipelines run where: every (cluster, role) any target selects, by labels or by name, pipelines sorted by
name, however many pipelines share a way of selecting."""

from __future__ import annotations

from reconciler.herald.merge import conflicts, placements
from tests.herald.builders import APP_LOGS, PRD_CLUSTER, model_of


def _cluster(name: str, labels: str) -> str:
    return PRD_CLUSTER.replace("name: prd-eu-1", f"name: {name}").replace("{env: prd, region: eu}", labels)


def _pipeline(name: str, targets: str) -> str:
    written = "    - clusters: {matchLabels: {env: prd}}\n      role: agent\n"
    assert written in APP_LOGS
    text = APP_LOGS.replace("name: app-logs", f"name: {name}").replace(written, targets)
    return text.replace("pod_logs", f"{name}_logs").replace("loki_", f"{name}_loki_").replace("parse", f"{name}_parse")


AGENT_ON_PRD = "    - clusters: {matchLabels: {env: prd}}\n      role: agent\n"
CLUSTERS = (
    _cluster("a", "{env: prd, region: eu}"),
    _cluster("b", "{env: prd, region: us}"),
    _cluster("c", "{env: dev, region: eu}"),
)


def test_placements_by_labels_names_and_overlapping_targets() -> None:
    model = model_of(
        *CLUSTERS,
        _pipeline("p2", AGENT_ON_PRD),
        _pipeline("p1", AGENT_ON_PRD),  # written as p2's: the same placements, in name order
        _pipeline(
            "p3",
            "    - clusters: {names: [c, a]}\n      role: aggregator\n"
            "    - clusters: {matchLabels: {env: prd}}\n      role: aggregator\n",  # overlaps the first on a
        ),
        _pipeline("p4", "    - clusters: {matchLabels: {region: eu}}\n      role: agent\n"),
        _pipeline("p5", "    - clusters: {matchLabels: {env: staging}}\n      role: agent\n"),  # selects nothing
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
