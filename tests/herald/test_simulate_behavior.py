"""Each simulated transform and each test-format feature, as Vector's unit tests state them: every test of the
Vector configs in tests/herald/behavior/ (which `vector test` runs as they are) passes here."""

from __future__ import annotations

import pytest
import yaml

from reconciler.herald.tests import run_pipeline_tests
from tests.herald.simulation import BEHAVIOR, pipeline_of

FILES = sorted(BEHAVIOR.glob("*.yaml"))


def test_every_behaviour_file_is_found() -> None:
    assert {f.name for f in FILES} >= {
        "remap.yaml",
        "filter_and_routes.yaml",
        "stateful.yaml",
        "metrics_and_inputs.yaml",
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_behaviour_file_passes(path) -> None:
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    results = run_pipeline_tests(pipeline_of(config))
    assert [r.test for r in results] == [t["name"] for t in config["tests"]]
    failed = [(r.test, r.status, r.reason) for r in results if not r.passed]
    assert not failed
