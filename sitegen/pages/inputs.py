"""Everything a site is rendered from, read once: the commit's build, the registry state, history and status."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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


# An extra section of the artifact page, filled by the install snippets where they exist: (title, language,
# text) triples. See sitegen/pages/snippets.py.
Snippet = tuple[str, str, str]


@dataclass(frozen=True)
class SiteInputs:
    build: Build
    states: Mapping[str, ArtifactState]
    options: SiteOptions = SiteOptions()
    history: tuple[Change, ...] = ()
    status: StatusSnapshot | None = None
    snippets: Callable[[ArtifactState], list[Snippet]] = field(default=lambda _state: [])

    @property
    def model(self) -> RepoModel:
        return self.build.model

    def read_text(self, path: str) -> str | None:
        return self.build.validation.source.read_text(path)

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
