"""A test's result, as every report reads it: plain data, cheap to import (remembered results need no simulator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from reconciler.model import JsonPath, Location
from reconciler.model.kinds import Pipeline

Status = Literal["passed", "failed", "not run"]


@dataclass(frozen=True, slots=True)
class TestResult:
    """One test's verdict. `reason` says why it failed or was not run ("" when it passed); `location` is the
    test in its file, or the exact field of a definition error (a component that does not exist)."""

    __test__: ClassVar[bool] = False  # not a pytest class

    pipeline: str
    test: str
    status: Status
    reason: str
    location: Location
    path: JsonPath = ()  # where `location` is, in the document

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass(frozen=True, slots=True)
class Verdict:
    """A test's result before it is placed in its file (placing needs the file's positions, which only
    results that are reported need)."""

    test: str
    status: Status
    reason: str
    path: JsonPath

    def located(self, pipeline: Pipeline) -> TestResult:
        location = pipeline.doc.location(*self.path)
        return TestResult(pipeline.name, self.test, self.status, self.reason, location, self.path)


@dataclass(frozen=True, slots=True)
class PipelineTests:
    """The tests of a commit: each test's result (by pipeline, in its order), and the pipelines whose tests are
    not run because they have errors of their own (their simulation would mislead)."""

    __test__: ClassVar[bool] = False  # not a pytest class

    results: tuple[TestResult, ...] = ()
    untested: tuple[str, ...] = ()

    def by_test(self) -> dict[tuple[str, str], TestResult]:
        return {(r.pipeline, r.test): r for r in self.results}
