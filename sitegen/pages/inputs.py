"""Everything a site is rendered from, read once: the commit's build, the registry state, history and status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from reconciler.build import Build
from reconciler.keeper.state import ArtifactState
from reconciler.model.kinds import RepoModel
from sitegen.history import Change
from sitegen.status import StatusSnapshot


@dataclass(frozen=True, slots=True)
class SiteOptions:
    terminal_url: str | None = None
    base_url: str | None = None


@dataclass(frozen=True)
class SiteInputs:
    build: Build
    states: Mapping[str, ArtifactState]
    options: SiteOptions = SiteOptions()
    history: tuple[Change, ...] = ()
    status: StatusSnapshot | None = None

    @property
    def model(self) -> RepoModel:
        return self.build.model

    def read_text(self, path: str) -> str | None:
        return self.build.validation.source.read_text(path)

    @cached_property
    def owned(self) -> dict[str, dict[str, list[tuple[str, ...]]]]:
        """team → kind → the names (a workspace: team and name) of what it owns, sorted. Grouped once: asking each
        team's page to scan every entity would cost teams × entities."""
        owned: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        model = self.model
        entries: list[tuple[str | None, str, tuple[str, ...]]] = [
            *((c.team, "Cluster", (c.name,)) for c in model.clusters.values()),
            *((w.team, "Workspace", w.key) for w in model.workspaces.values()),
            *((a.team, "Artifact", (a.name,)) for a in model.artifacts.values()),
            *((p.team, "Pipeline", (p.name,)) for p in model.pipelines.values()),
        ]
        for team, kind, names in entries:
            if team:
                owned.setdefault(team, {}).setdefault(kind, []).append(names)
        for kinds in owned.values():
            for names in kinds.values():
                names.sort()
        return owned

    @cached_property
    def on_cluster(self) -> dict[str, dict[str, list[tuple[str, ...]]]]:
        """cluster → "Workspace" → (team, name)s and "Pipeline" → (pipeline, role)s, sorted."""
        found: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        for w in self.model.workspaces.values():
            found.setdefault(w.cluster, {}).setdefault("Workspace", []).append(w.key)
        for name, placed in self.pipeline_clusters.items():
            for cluster, role in placed:
                found.setdefault(cluster, {}).setdefault("Pipeline", []).append((name, role))
        for kinds in found.values():
            for names in kinds.values():
                names.sort()
        return found

    @cached_property
    def policy_artifacts(self) -> dict[str, list[str]]:
        """policy → the artifacts it applies to, from each artifact's effective policy."""
        applies: dict[str, list[str]] = {}
        for name, state in sorted(self.states.items()):
            for policy in state.policy.policies:
                applies.setdefault(policy, []).append(name)
        return applies

    @cached_property
    def pipeline_clusters(self) -> dict[str, list[tuple[str, str]]]:
        """pipeline → (cluster, role) it is placed on, in name order."""
        placed: dict[str, list[tuple[str, str]]] = {}
        for name, pipeline in sorted(self.model.pipelines.items()):
            seen: set[tuple[str, str]] = set()
            for target in pipeline.targets:
                for cluster in self.model.clusters_matching(target):
                    seen.add((cluster.name, target.role))
            placed[name] = sorted(seen)
        return placed
