"""Pipeline tests as findings: a failing test is an error at the test, a test that cannot run here a note saying
why. Pipelines with errors of their own are not tested: their simulation would mislead."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.herald.tests.memo import TestMemo
from reconciler.herald.tests.results import PipelineTests, TestResult
from reconciler.model import Diagnostic, Severity, error, rules
from reconciler.model.diagnostics import note
from reconciler.model.kinds import Pipeline, RepoModel


def result_finding(result: TestResult) -> Diagnostic | None:
    subject = f"Pipeline/{result.pipeline}"
    if result.status == "failed":
        return error(
            f"test {result.test!r} fails: {result.reason}", result.location, subject, rule=rules.PIPELINE_TESTS
        )
    if result.status == "not run":
        return note(
            f"test {result.test!r} is not run here: {result.reason}",
            result.location,
            subject,
            rule=rules.PIPELINE_TESTS,
        )
    return None


def _tested(model: RepoModel, diagnostics: Sequence[Diagnostic]) -> list[Pipeline]:
    """The pipelines with tests and no errors of their own, by name."""
    broken = {d.subject for d in diagnostics if d.severity is Severity.ERROR}
    return sorted(
        (p for p in model.pipelines.values() if p.tests and p.doc.subject not in broken), key=lambda p: p.name
    )


def pipeline_test_findings(model: RepoModel, diagnostics: Sequence[Diagnostic], memo: TestMemo) -> list[Diagnostic]:
    findings = []
    for pipeline in _tested(model, diagnostics):
        for verdict in memo.verdicts(pipeline):
            if verdict.status == "passed":
                continue  # placing a result reads its file's positions: only reported ones are placed
            finding = result_finding(verdict.located(pipeline))
            if finding is not None:
                findings.append(finding)
    memo.save()
    return findings


def pipeline_test_results(
    model: RepoModel, diagnostics: Sequence[Diagnostic], memo: TestMemo
) -> tuple[TestResult, ...]:
    """Every test's result, placed (a report lists them all)."""
    tested = _tested(model, diagnostics)
    results = tuple(verdict.located(pipeline) for pipeline in tested for verdict in memo.verdicts(pipeline))
    memo.save()
    return results


def results_findings(tests: PipelineTests) -> list[Diagnostic]:
    return [finding for result in tests.results if (finding := result_finding(result)) is not None]
