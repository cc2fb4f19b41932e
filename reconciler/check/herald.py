"""Herald's part of the check: pipelines added or removed, each compiled Vector config — per pipeline and
merged per cluster and role — whose text the change moves, as a unified diff, and each pipeline test's result on
the head, with the base's result of the same test when it differs."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from reconciler.build import Build, VectorConfigFile
from reconciler.check.changed import changed_names
from reconciler.herald.tests.results import PipelineTests, Status, TestResult
from reconciler.kube.diff import text_diff

ConfigChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True, slots=True)
class ConfigChange:
    path: str  # as `portal compile` writes it: pipelines/<p>.vector.yaml, clusters/<c>/vector-<role>.yaml
    change: ConfigChangeKind
    diff: tuple[str, ...]  # unified diff hunks, base → head (none for a removed config)


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """A pipeline test's result on the head, and the same test's (by pipeline and name) on the base."""

    __test__: ClassVar[bool] = False  # not a pytest class

    result: TestResult
    base: Status | None  # None: the base has no such test, or did not run it

    @property
    def changed(self) -> bool:
        return self.base is not None and self.base != self.result.status


@dataclass(frozen=True, slots=True)
class HeraldPart:
    added: tuple[str, ...]  # pipelines, by name
    removed: tuple[str, ...]
    configs: tuple[ConfigChange, ...]  # each pipeline's config first, then the merged ones
    tests: tuple[TestOutcome, ...] = ()  # by pipeline, each in its order
    untested: tuple[str, ...] = ()  # pipelines whose tests are not run: they have errors of their own
    tests_run: bool = False  # False with --no-tests

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.configs)


def test_outcomes(base: PipelineTests, head: PipelineTests) -> tuple[TestOutcome, ...]:
    before = base.by_test()
    return tuple(
        TestOutcome(r, old.status if (old := before.get((r.pipeline, r.test))) else None) for r in head.results
    )


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


def herald_part(
    base: Build,
    head: Build,
    clusters: Collection[str],
    *,
    compiled: bool,
    tests: tuple[PipelineTests, PipelineTests] | None = None,
) -> HeraldPart:
    """`clusters`: those whose merged configs may change; `compiled`: whether both commits compile (neither
    has errors), otherwise no config is compared; `tests`: the base's and the head's (None: not run)."""
    before, after = _declared(base), _declared(head)
    configs: tuple[ConfigChange, ...] = ()
    if compiled:
        pipelines = changed_names(base.model.pipelines, head.model.pipelines)
        old, new = base.vector_configs_on(pipelines, clusters), head.vector_configs_on(pipelines, clusters)
        old_configs, new_configs = {f.path: f.config for f in old}, {f.path: f.config for f in new}
        configs = config_changes(_texts(base, old, new_configs), _texts(head, new, old_configs))
    outcomes = test_outcomes(*tests) if tests else ()
    untested = tests[1].untested if tests else ()
    return HeraldPart(
        tuple(sorted(after - before)), tuple(sorted(before - after)), configs, outcomes, untested, tests is not None
    )
