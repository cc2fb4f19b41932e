"""Vector's own verdict on a build: `vector validate` on every compiled config (`portal validate --vector`)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from reconciler.build import VectorConfigFile
from reconciler.herald.vector_binary import vector_validate
from reconciler.model import Diagnostic, error, rules


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
