"""A Pipeline's `spec.tests`, run on the in-process simulator (`reconciler.herald.simulate`) with the semantics
of `vector test`: `definitions` reads both forms of a test, `runner` judges them (`run_pipeline_tests`, the pure
function every report uses), `results` holds what they report, `memo` remembers verdicts by what decides them,
`findings` turns them into the findings of `validate` and `check` (through `reconciler.validate.pipeline_tests`)
and `vector_form` writes them for `vector test`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reconciler.herald.tests.results import TestResult
    from reconciler.herald.tests.runner import run_pipeline_tests

__all__ = ["TestResult", "run_pipeline_tests"]


def __getattr__(name: str) -> Any:
    """`run_pipeline_tests` and `TestResult` are loaded on first use: a run whose results are all remembered
    never loads the simulator (nor the VRL runtime)."""
    if name == "run_pipeline_tests":
        from reconciler.herald.tests.runner import run_pipeline_tests

        return run_pipeline_tests
    if name == "TestResult":
        from reconciler.herald.tests.results import TestResult

        return TestResult
    raise AttributeError(name)
