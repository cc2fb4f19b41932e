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
from reconciler.herald.placing import Placement, PlacementRow, placement_sets
from reconciler.herald.resources import claimed
from reconciler.model.kinds import EnvVar, Pipeline, RepoModel

if TYPE_CHECKING:
    from reconciler.herald.catalog import Catalog


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
    return conflicts_at(placement_sets(model))


def conflicts_at(rows: list[PlacementRow]) -> list[Conflict]:
    """Every clash between pipelines that run together at the places of `rows`."""
    return [c for merged in merged_rows(rows, as_written) for c in merged.conflicts]


def merge_placements(model: RepoModel, own_config: Callable[[Pipeline], dict[str, Any]]) -> list[MergedConfig]:
    """The merged config of every placement."""
    return merged_rows(placement_sets(model), own_config)


def merged_rows(rows: list[PlacementRow], own_config: Callable[[Pipeline], dict[str, Any]]) -> list[MergedConfig]:
    """The merged config of the placement of each row. Placements running the same pipelines (a fleet of clusters
    under one selector) share one merge, so the work grows with distinct pipeline sets, not with clusters."""
    configs: dict[str, dict[str, Any]] = {}
    by_set: dict[tuple[str, tuple[int, ...]], MergedConfig] = {}
    result = []
    for place, groups, pipelines in rows:
        key = (place[1], groups)
        shared = by_set.get(key)
        if shared is None:
            shared = by_set[key] = merge(place, pipelines, own_config, configs)
            result.append(shared)
            continue
        conflicts = tuple(replace(c, placement=place) for c in shared.conflicts)
        result.append(replace(shared, cluster=place[0], role=place[1], conflicts=conflicts))
    return result
