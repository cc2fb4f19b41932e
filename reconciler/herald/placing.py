"""Which pipelines run where: every (cluster, role) their targets select, worked out from targets and clusters'
names and labels alone, so that finding what an edit touches loads neither the component catalog nor a compiler.
"""

from __future__ import annotations

from reconciler.model.kinds import Pipeline, RepoModel

Placement = tuple[str, str]  # (cluster name, role)
# Where pipelines run (see `placement_sets`): a place, which groups of pipelines run there, and the pipelines.
PlacementRow = tuple[Placement, tuple[int, ...], tuple[Pipeline, ...]]


def placements(model: RepoModel) -> dict[Placement, tuple[Pipeline, ...]]:
    """Which pipelines run where: every (cluster, role) any target selects, pipelines sorted by name."""
    return {place: pipelines for place, _, pipelines in placement_sets(model)}


def placement_sets(model: RepoModel) -> list[PlacementRow]:
    """Per (cluster, role), sorted: which groups of pipelines run there, and the pipelines. Pipelines whose targets
    are written alike run alike, so clusters are matched once per group, not once per pipeline: the work grows
    with placements × groups, not placements × pipelines. Places running the same groups share one tuple."""
    groups: dict[tuple[object, ...], list[Pipeline]] = {}
    pipelines = model.pipelines
    for name in sorted(pipelines):  # so each group is sorted by name
        pipeline = pipelines[name]
        alike = tuple([(t.names, frozenset(t.match_labels.items()), t.role) for t in pipeline.targets])
        groups.setdefault(alike, []).append(pipeline)
    members = list(groups.values())
    at: dict[Placement, list[int]] = {}
    for index, group in enumerate(members):
        targets = group[0].targets
        places = [(c.name, t.role) for t in targets for c in model.clusters_matching(t)]
        for place in dict.fromkeys(places) if len(targets) > 1 else places:  # two targets may overlap
            at.setdefault(place, []).append(index)
    shared: dict[tuple[int, ...], tuple[Pipeline, ...]] = {}
    result = []
    for place, indices in sorted(at.items()):
        key = tuple(indices)
        if key not in shared:
            together = members[key[0]] if len(key) == 1 else sorted((p for i in key for p in members[i]), key=_name)
            shared[key] = tuple(together)
        result.append((place, key, shared[key]))
    return result


def _name(pipeline: Pipeline) -> str:
    return pipeline.name


def running_together(rows: list[PlacementRow]) -> list[list[PlacementRow]]:
    """`placement_sets` rows split into parts no pipeline spans: the pipelines of one part run, directly or through
    others, together, and never with another part's. A clash is between two pipelines running together, so each
    part's are found apart (and an edit re-checks the part of the pipelines it touches)."""
    parent: dict[int, int] = {}  # union-find over the groups of pipelines: each pipeline is in one group

    def root(group: int) -> int:
        parent.setdefault(group, group)
        while parent[group] != group:
            parent[group] = parent[parent[group]]
            group = parent[group]
        return group

    for _, groups, _ in rows:
        for group in groups[1:]:
            parent[root(group)] = root(groups[0])
    parts: dict[int, list[PlacementRow]] = {}
    for row in rows:
        parts.setdefault(root(row[1][0]), []).append(row)
    return list(parts.values())
