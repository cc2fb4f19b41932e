"""The build step: what a validated commit compiles to — each pipeline's Vector config, the configs merged per
cluster and role, and the Kubernetes objects per cluster.

`compile`, `reconcile`, `plan`, `validate --vector` and `db sync` all take their compiled output from here, so a
pipeline is compiled in one place only. Everything is compiled on first use and kept: a `db sync` that finds a
pipeline's rows unchanged never compiles it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from reconciler.chambers import resources as chambers
from reconciler.herald.catalog import Catalog, default_catalog
from reconciler.herald.compile import RenderedConfig, pipeline_config_file, render_config, vector_config
from reconciler.herald.merge import MergedConfig, merge_placements
from reconciler.herald.workloads import DEFAULT_SETTINGS, workload_objects
from reconciler.model.kinds import Pipeline, RepoModel
from reconciler.model.ownership import DEFAULT_INSTANCE
from reconciler.validate import Validation


@dataclass(frozen=True, slots=True)
class BuildSettings:
    instance: str = DEFAULT_INSTANCE  # this installation's id, on every object as its ownership label
    vector_image: str = DEFAULT_SETTINGS.image


@dataclass(frozen=True, slots=True)
class VectorConfigFile:
    """One Vector config as written out: `path` relative to an output folder."""

    path: str  # "pipelines/<p>.vector.yaml" or "clusters/<c>/vector-<role>.yaml"
    config: Mapping[str, Any]
    pipelines: tuple[Pipeline, ...]
    description: str  # "its config", "the config merged for <cluster> (<role>)"

    def rendered(self, commit: str | None = None) -> RenderedConfig:
        return render_config(self.config, [p.name for p in self.pipelines], commit)


@dataclass(frozen=True)
class Build:
    """A validated commit's compiled output. Build it only from a validation without errors."""

    validation: Validation
    settings: BuildSettings = BuildSettings()
    catalog: Catalog = field(default_factory=default_catalog)
    _pipeline_configs: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _merged_on: dict[frozenset[str], tuple[MergedConfig, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # Rendered texts by the id of their config: every config rendered is one this build keeps alive.
    _rendered: dict[int, RenderedConfig] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def model(self) -> RepoModel:
        return self.validation.model

    @property
    def commit_label(self) -> str:
        """What compiled files name as their origin: never a local path, so outputs are the same on every machine."""
        return self.validation.source.commit or "uncommitted working tree"

    def pipeline_config(self, name: str) -> dict[str, Any]:
        """The pipeline's own Vector config, compiled once."""
        compiled = self._pipeline_configs
        if name not in compiled:
            compiled[name] = vector_config(self.model.pipelines[name], self.catalog)
        return compiled[name]

    @cached_property
    def merged(self) -> tuple[MergedConfig, ...]:
        """The pipelines of each cluster and role merged into one config."""
        return tuple(merge_placements(self.model, lambda pipeline: self.pipeline_config(pipeline.name)))

    @cached_property
    def vector_configs(self) -> tuple[VectorConfigFile, ...]:
        """Every Vector config: each pipeline alone, then each cluster and role."""
        return self._config_files(sorted(self.model.pipelines), self.merged)

    def vector_configs_on(self, pipelines: Collection[str], clusters: Collection[str]) -> tuple[VectorConfigFile, ...]:
        """The configs of these pipelines alone and of these clusters (those the commit has)."""
        return self._config_files(sorted(set(pipelines) & self.model.pipelines.keys()), self.merged_on(clusters))

    def _config_files(self, pipelines: list[str], merged: Collection[MergedConfig]) -> tuple[VectorConfigFile, ...]:
        alone = [
            VectorConfigFile(
                f"pipelines/{pipeline_config_file(name)}",
                self.pipeline_config(name),
                (self.model.pipelines[name],),
                "its config",
            )
            for name in pipelines
        ]
        placed = [
            VectorConfigFile(
                f"clusters/{m.cluster}/vector-{m.role}.yaml",
                m.config,
                m.pipelines,
                f"the config merged for {m.cluster} ({m.role})",
            )
            for m in merged
        ]
        return (*alone, *placed)

    def rendered(self, file: VectorConfigFile) -> RenderedConfig:
        """A config's text without a commit line (as its ConfigMap holds it), rendered once per build."""
        text = self._rendered.get(id(file.config))
        if text is None:
            text = self._rendered[id(file.config)] = file.rendered()
        return text

    def merged_on(self, clusters: Collection[str]) -> tuple[MergedConfig, ...]:
        """`merged` for these clusters alone: only the pipelines that run there are compiled."""
        wanted = frozenset(clusters)
        if wanted not in self._merged_on:
            subset = {n: c for n, c in self.model.clusters.items() if n in wanted}
            scoped = self.model.with_clusters(subset)
            self._merged_on[wanted] = tuple(
                merge_placements(scoped, lambda pipeline: self.pipeline_config(pipeline.name))
            )
        return self._merged_on[wanted]

    @cached_property
    def manifests(self) -> dict[str, list[dict[str, Any]]]:
        """Cluster name → the objects to apply there, in apply order per producer (Vector's, then Butler's CRs)."""
        return self._manifests(self.merged, None)

    def manifests_on(self, clusters: Collection[str]) -> dict[str, list[dict[str, Any]]]:
        """`manifests` of these clusters only: Vector's configs are merged for them alone, so a change that
        moves a few clusters compiles only what runs there."""
        return self._manifests(self.merged_on(clusters), set(clusters))

    def _manifests(
        self, merged: Collection[MergedConfig], only: Collection[str] | None
    ) -> dict[str, list[dict[str, Any]]]:
        workload_settings = replace(DEFAULT_SETTINGS, image=self.settings.vector_image)
        produced = (
            workload_objects(merged, self.settings.instance, workload_settings, self._rendered),
            chambers.desired_objects(self.model, self.settings.instance),
        )
        clusters: dict[str, list[dict[str, Any]]] = {}
        for per_cluster in produced:
            for cluster, objects in per_cluster.items():
                if only is None or cluster in only:
                    clusters.setdefault(cluster, []).extend(objects)
        return dict(sorted(clusters.items()))


def build(validation: Validation, settings: BuildSettings | None = None) -> Build:
    """The build step; its parts are compiled when first asked for."""
    return Build(validation, settings or BuildSettings())
