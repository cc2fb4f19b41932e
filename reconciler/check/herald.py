"""Herald's part of the check: pipelines added or removed, and each compiled Vector config — per pipeline and
merged per cluster and role — whose text the change moves, as a unified diff."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.build import Build, VectorConfigFile
from reconciler.check.changed import changed_names
from reconciler.kube.diff import text_diff

ConfigChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True, slots=True)
class ConfigChange:
    path: str  # as `portal compile` writes it: pipelines/<p>.vector.yaml, clusters/<c>/vector-<role>.yaml
    change: ConfigChangeKind
    diff: tuple[str, ...]  # unified diff hunks, base → head (none for a removed config)


@dataclass(frozen=True, slots=True)
class HeraldPart:
    added: tuple[str, ...]  # pipelines, by name
    removed: tuple[str, ...]
    configs: tuple[ConfigChange, ...]  # each pipeline's config first, then the merged ones

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.configs)


def _texts(build: Build, files: Collection[VectorConfigFile], unchanged: Mapping[str, Any]) -> dict[str, str]:
    """Each compiled config's text without the commit line, so that only what Vector reads can differ; a config
    equal to the other commit's (`unchanged`, by path) is not rendered."""
    return {f.path: "" if unchanged.get(f.path) == f.config else build.rendered(f).text for f in files}


def config_changes(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[ConfigChange, ...]:
    changes = []
    for path in sorted(before.keys() | after.keys(), key=lambda p: (not p.startswith("pipelines/"), p)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        kind: ConfigChangeKind = "added" if old is None else "removed" if new is None else "changed"
        changes.append(ConfigChange(path, kind, () if new is None else tuple(text_diff(old, new))))
    return tuple(changes)


def _declared(build: Build) -> set[str]:
    """Pipelines by name, invalid ones included: a pipeline the change breaks is not one it removes."""
    return {d.name for d in build.validation.documents if d.kind == "Pipeline"}


def herald_part(base: Build, head: Build, clusters: Collection[str], *, compiled: bool) -> HeraldPart:
    """`clusters`: those whose merged configs may change; `compiled`: whether both commits compile (neither
    has errors), otherwise no config is compared."""
    before, after = _declared(base), _declared(head)
    configs: tuple[ConfigChange, ...] = ()
    if compiled:
        pipelines = changed_names(base.model.pipelines, head.model.pipelines)
        old, new = base.vector_configs_on(pipelines, clusters), head.vector_configs_on(pipelines, clusters)
        old_configs, new_configs = {f.path: f.config for f in old}, {f.path: f.config for f in new}
        configs = config_changes(_texts(base, old, new_configs), _texts(head, new, old_configs))
    return HeraldPart(tuple(sorted(after - before)), tuple(sorted(before - after)), configs)
