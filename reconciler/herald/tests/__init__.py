"""A Pipeline's `spec.tests`, run on the in-process simulator (`reconciler.herald.simulate`) with the semantics
of `vector test`: `definitions` reads both forms of a test, `runner` judges them (`run_pipeline_tests`, the pure
function every report uses), `memo` remembers results by the pipeline's compiled config and tests, and
`findings` turns them into `validate`'s findings."""

from reconciler.herald.tests.runner import TestResult, run_pipeline_tests

__all__ = ["TestResult", "run_pipeline_tests"]
