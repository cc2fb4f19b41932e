"""Pipelines that share a cluster and role run in one Vector: their configs merge into one.

Component ids are global in a Vector config, so an id used by two pipelines is a conflict; so are a port or file
descriptor two pipelines' components claim, and global options and variables the pipelines set differently.
Conflicts are values; `check` turns them into errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from reconciler.herald.catalog import KIND_OF_SECTION
from reconciler.herald.resources import claimed
from reconciler.model.kinds import EnvVar, Pipeline, RepoModel

if TYPE_CHECKING:
    from reconciler.herald.catalog import Catalog

Placement = tuple[str, str]  # (cluster name, role)


@dataclass(frozen=True, slots=True)
class Conflict:
    what: str  # "component id `parse`", "global option `data_dir`", "variable `X`", "port tcp 0.0.0.0:80"
    first: Pipeline
    second: Pipeline  # the later one (by name): the error is placed in its document
    path: tuple[str, ...]  # where `second` writes it
    placement: Placement


@dataclass(frozen=True, slots=True)
class MergedConfig:
    cluster: str
    role: str
    pipelines: tuple[Pipeline, ...]  # sorted by name
    config: dict[str, Any]
    env: tuple[EnvVar, ...]  # sorted by name
    conflicts: tuple[Conflict, ...]

    @property
    def pipeline_names(self) -> list[str]:
        return [p.name for p in self.pipelines]


def placements(model: RepoModel) -> dict[Placement, tuple[Pipeline, ...]]:
    """Which pipelines run where: every (cluster, role) any target selects, pipelines sorted by name."""
    return {place: pipelines for place, _, pipelines in placement_sets(model)}


def placement_sets(model: RepoModel) -> list[tuple[Placement, tuple[int, ...], tuple[Pipeline, ...]]]:
    """Per (cluster, role), sorted: which groups of pipelines run there, and the pipelines. Pipelines whose targets
    are written alike run alike, so clusters are matched once per group, not once per pipeline: the work grows
    with placements × groups, not placements × pipelines. Places running the same groups share one tuple."""
    groups: dict[tuple[object, ...], list[Pipeline]] = {}
    for pipeline in sorted(model.pipelines.values(), key=lambda p: p.name):
        alike = tuple((t.names, frozenset(t.match_labels.items()), t.role) for t in pipeline.targets)
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
            shared[key] = tuple(sorted((p for i in key for p in members[i]), key=lambda p: p.name))
        result.append((place, key, shared[key]))
    return result


def as_written(pipeline: Pipeline) -> dict[str, Any]:
    """A pipeline's config as its document writes it: the same ids, global options and variables as compiled,
    which is all that decides whether pipelines conflict."""
    return {
        **pipeline.global_options,
        "sources": pipeline.sources,
        "transforms": pipeline.transforms,
        "sinks": pipeline.sinks,
    }


def merge(
    placement: Placement,
    pipelines: Sequence[Pipeline],
    own_config: Callable[[Pipeline], dict[str, Any]],
    configs: dict[str, dict[str, Any]] | None = None,
) -> MergedConfig:
    """One Vector config for `pipelines` at `placement`; `configs` holds pipelines' own configs made before."""
    configs = {} if configs is None else configs
    config: dict[str, Any] = {}
    owner: dict[tuple[str, str], Pipeline] = {}  # ("component", id) or ("global", key) → who set it first
    env: dict[str, tuple[EnvVar, Pipeline]] = {}
    conflicts: list[Conflict] = []
    for pipeline in pipelines:
        own = configs.get(pipeline.name)
        if own is None:
            own = configs[pipeline.name] = own_config(pipeline)
        for key, value in own.items():
            if key in KIND_OF_SECTION:
                section = config.setdefault(key, {})
                for cid, body in value.items():
                    first = owner.get(("component", cid))
                    if first is not None:
                        what = f"component id `{cid}`"
                        conflicts.append(Conflict(what, first, pipeline, ("spec", key, cid), placement))
                        continue
                    owner["component", cid] = pipeline
                    section[cid] = body
                    conflicts += _claim(owner, pipeline, KIND_OF_SECTION[key], cid, body, placement, key)
            elif key in config and config[key] != value:
                first = owner["global", key]
                what = f"global option `{key}`"
                conflicts.append(Conflict(what, first, pipeline, ("spec", "global", key), placement))
            elif key not in config:
                owner["global", key] = pipeline
                config[key] = value
        for index, var in enumerate(pipeline.env):
            earlier = env.get(var.name)
            if earlier is None:
                env[var.name] = (var, pipeline)
            elif earlier[0] != var:
                what = f"variable `{var.name}`"
                conflicts.append(Conflict(what, earlier[1], pipeline, ("spec", "env", index), placement))
    return MergedConfig(
        cluster=placement[0],
        role=placement[1],
        pipelines=tuple(pipelines),
        config=config,
        env=tuple(var for _, (var, _p) in sorted(env.items())),
        conflicts=tuple(conflicts),
    )


def _claim(
    owner: dict[tuple[str, str], Pipeline],
    pipeline: Pipeline,
    kind: str,
    cid: str,
    body: Any,
    placement: Placement,
    section: str,
) -> list[Conflict]:
    """The ports and file descriptors a component claims that another pipeline's component already holds."""
    if not isinstance(body, Mapping):
        return []
    found = []
    for resource, path in claimed(kind, str(body.get("type", "")), body):
        first = owner.setdefault(("resource", resource), pipeline)
        if first is not pipeline:
            found.append(Conflict(resource, first, pipeline, ("spec", section, cid, *path), placement))
    return found


def merged_configs(model: RepoModel, catalog: Catalog) -> list[MergedConfig]:
    """The compiled, merged config of every placement."""
    from reconciler.herald.compile import vector_config  # the compiler is needed here, not to find conflicts

    return merge_placements(model, lambda pipeline: vector_config(pipeline, catalog))


def conflicts(model: RepoModel) -> list[Conflict]:
    """Every clash between pipelines that run together, found without compiling them."""
    return [c for merged in merge_placements(model, as_written) for c in merged.conflicts]


def merge_placements(model: RepoModel, own_config: Callable[[Pipeline], dict[str, Any]]) -> list[MergedConfig]:
    """The merged config of every placement. Placements running the same pipelines (a fleet of clusters under one
    selector) share one merge, so the work grows with distinct pipeline sets, not with clusters."""
    configs: dict[str, dict[str, Any]] = {}
    by_set: dict[tuple[str, tuple[int, ...]], MergedConfig] = {}
    result = []
    for place, groups, pipelines in placement_sets(model):
        key = (place[1], groups)
        shared = by_set.get(key)
        if shared is None:
            shared = by_set[key] = merge(place, pipelines, own_config, configs)
            result.append(shared)
            continue
        conflicts = tuple(replace(c, placement=place) for c in shared.conflicts)
        result.append(replace(shared, cluster=place[0], role=place[1], conflicts=conflicts))
    return result
