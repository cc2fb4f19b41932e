"""A pipeline's tests in Vector's own unit-test format, for `vector test`: the short form written out as the
Vector form it means."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reconciler.herald.catalog import Catalog
from reconciler.herald.compile import vector_config
from reconciler.model.kinds import Pipeline


def _vrl_literal(value: Any) -> str:
    """A value as VRL writes it: JSON's literals are VRL's (timestamps from YAML as their text)."""
    return json.dumps(value, default=str)


def _vector_test(test: Mapping[str, Any]) -> dict[str, Any]:
    short_input = test.get("input")
    if not isinstance(short_input, Mapping) or "into" not in short_input:
        return dict(test)  # already Vector's form
    if "metric" in short_input:
        given = {"insert_at": short_input["into"], "type": "metric", "metric": short_input["metric"]}
    else:
        given = {"insert_at": short_input["into"], "type": "log", "log_fields": dict(short_input.get("log") or {})}
    expect = test.get("expect") or {}
    fields = expect.get("fields") or {}
    checks = "\n".join(f"assert_eq!(.{json.dumps(str(k))}, {_vrl_literal(v)})" for k, v in fields.items())
    output: dict[str, Any] = {"extract_from": expect.get("from")}
    if checks:
        output["conditions"] = [{"type": "vrl", "source": checks + "\n"}]
    return {"name": test.get("name"), "inputs": [given], "outputs": [output]}


def config_with_tests(pipeline: Pipeline, catalog: Catalog) -> dict[str, Any]:
    """The pipeline's compiled Vector config with its tests, as `vector test` reads them."""
    return {**vector_config(pipeline, catalog), "tests": [_vector_test(t) for t in pipeline.tests]}
