"""Vector's own verdict on a build: `vector validate` on every compiled config, and `vector test` on every
pipeline's tests (`portal validate --vector`)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from reconciler.build import VectorConfigFile
from reconciler.herald.catalog import default_catalog
from reconciler.herald.compile import dump_yaml
from reconciler.herald.tests.vector_form import config_with_tests
from reconciler.herald.vector_binary import run_vector_test, vector_validate
from reconciler.model import Diagnostic, error, rules
from reconciler.model.kinds import RepoModel


def check_with_vector(configs: Sequence[VectorConfigFile], binary: str) -> list[Diagnostic]:
    """`vector validate` on every config a commit compiles to (its build's), each rejection placed at its Pipeline
    document: what `portal validate --vector` reports. Run it only on a build of a model without errors."""
    findings: list[Diagnostic] = []
    with tempfile.TemporaryDirectory(prefix="portal-vector-") as tmp:
        for config in configs:
            path = Path(tmp) / config.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(config.rendered().text, encoding="utf-8")
            for rejection in vector_validate([path], binary):
                doc = config.pipelines[0].doc
                message = rejection.message.replace("this config", config.description, 1)
                findings.append(error(message, doc.location("metadata", "name"), doc.subject, rule=rules.VECTOR))
    return findings


def vector_test_findings(model: RepoModel, binary: str) -> list[Diagnostic]:
    """`vector test` on each pipeline that has tests (its config with them), a failure placed at its tests."""
    findings: list[Diagnostic] = []
    catalog = default_catalog()
    with tempfile.TemporaryDirectory(prefix="portal-vector-test-") as tmp:
        for pipeline in sorted(model.pipelines.values(), key=lambda p: p.name):
            if not pipeline.tests:
                continue
            path = Path(tmp) / f"{pipeline.name}.yaml"
            path.write_text(dump_yaml(config_with_tests(pipeline, catalog)), encoding="utf-8")
            failure = run_vector_test(path, binary)
            if failure is not None:
                doc = pipeline.doc
                findings.append(error(failure, doc.location("spec", "tests"), doc.subject, rule=rules.VECTOR))
    return findings
