"""The step after validation: the Pipelines' `spec.tests` of a validated commit, their verdicts remembered in the
state dir (`reconciler.herald.tests.memo`). `validate` adds the failing ones to the findings; `check` reports
every test's result, the base's and the head's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from reconciler.model import Diagnostic
from reconciler.validate import Validation

if TYPE_CHECKING:
    from reconciler.herald.tests.memo import TestMemo
    from reconciler.herald.tests.results import PipelineTests


def _has_tests(validation: Validation, memo: TestMemo) -> bool:
    """Whether any Pipeline has tests; a set of Pipeline documents found to have none is remembered, so that a
    run which re-checks an edit of another kind builds no Pipeline to ask."""
    documents = validation.model.documents_of("Pipeline")
    if memo.untested(documents):
        return False
    if any(p.tests for p in validation.model.pipelines.values()):
        return True
    memo.remember_untested(documents)
    memo.save()
    return False


def _with_findings(validation: Validation, found: Sequence[Diagnostic]) -> Validation:
    if not found:
        return validation
    return replace(validation, diagnostics=tuple(sorted((*validation.diagnostics, *found), key=Diagnostic.sort_key)))


def with_test_findings(validation: Validation, memo: TestMemo) -> Validation:
    """The validation with each failing test as an error at the test (and each test not run here as a note)."""
    if not _has_tests(validation, memo):
        return validation  # nothing to run: the simulator is not even loaded
    from reconciler.herald.tests.findings import pipeline_test_findings

    return _with_findings(validation, pipeline_test_findings(validation.model, validation.diagnostics, memo))


def _untested(validation: Validation) -> tuple[str, ...]:
    """Pipelines with tests that have errors of their own (invalid ones too, which the model leaves out)."""
    broken = {d.subject for d in validation.errors}
    return tuple(
        sorted(
            {
                doc.name
                for doc in validation.documents
                if doc.kind == "Pipeline" and doc.spec.get("tests") and doc.subject in broken
            }
        )
    )


def test_results(validation: Validation, memo: TestMemo) -> PipelineTests:
    """Every test's result, placed, and the pipelines whose tests are not run (they have errors of their own)."""
    from reconciler.herald.tests.results import PipelineTests

    if not _has_tests(validation, memo):
        return PipelineTests((), _untested(validation))
    from reconciler.herald.tests.findings import pipeline_test_results

    results = pipeline_test_results(validation.model, validation.diagnostics, memo)
    return PipelineTests(results, _untested(validation))
