"""Vector configs of transforms and tests (the files of tests/herald/behavior/, which `vector test` runs as
they are) as Pipeline documents: a stand-in source feeds the transforms without inputs, a sink takes every
transform's outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from reconciler.model import build
from reconciler.model.kinds import Pipeline
from tests.foundation.repos import HEADER
from tests.herald.builders import document

BEHAVIOR = Path(__file__).parent / "behavior"


def pipeline_document(config: dict[str, Any], name: str = "behavior") -> str:
    transforms = {
        cid: {**body, "inputs": body.get("inputs") or ["events"]} for cid, body in config["transforms"].items()
    }
    spec = {
        "team": "payments",
        "sources": {"events": {"type": "demo_logs", "format": "json"}},
        "transforms": transforms,
        "sinks": {"out": {"type": "blackhole", "inputs": sorted(transforms)}},
        "tests": config.get("tests", []),
    }
    body = {"kind": "Pipeline", "metadata": {"name": name}, "spec": spec}
    return HEADER + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def pipeline_of(config: dict[str, Any] | str) -> Pipeline:
    parsed = yaml.safe_load(config) if isinstance(config, str) else config
    return build.pipeline(document(pipeline_document(parsed), "pipelines/behavior.yaml"))
