"""Pipeline tests as `validate`'s findings: a failing test is an error at the test, a test that cannot run
here a note saying why. Pipelines with errors of their own are not tested: their simulation would mislead."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.herald.tests.memo import TestMemo
from reconciler.herald.tests.results import TestResult
from reconciler.model import Diagnostic, Severity, error, rules
from reconciler.model.diagnostics import note
from reconciler.model.kinds import RepoModel


def result_finding(result: TestResult, subject: str) -> Diagnostic | None:
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


def pipeline_test_findings(model: RepoModel, diagnostics: Sequence[Diagnostic], memo: TestMemo) -> list[Diagnostic]:
    broken = {d.subject for d in diagnostics if d.severity is Severity.ERROR}
    findings = []
    for pipeline in sorted(model.pipelines.values(), key=lambda p: p.name):
        if not pipeline.tests or pipeline.doc.subject in broken:
            continue
        for verdict in memo.verdicts(pipeline):
            if verdict.status == "passed":
                continue  # placing a result reads its file's positions: only reported ones are placed
            finding = result_finding(verdict.located(pipeline), pipeline.doc.subject)
            if finding is not None:
                findings.append(finding)
    memo.save()
    return findings
