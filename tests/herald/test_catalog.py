"""The component catalog: Herald's 30 types and more, each schema sound and true to Vector's own schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from reconciler.herald.catalog import ComponentType, default_catalog, vector_schemas_dir
from reconciler.herald.check import check_model
from reconciler.herald.compile import vector_config
from tests.herald.builders import example_pipeline, model_of
from tests.herald.upstream import (
    upstream_global_options,
    upstream_option_values,
    upstream_options,
    upstream_sensitive,
    upstream_types,
    vector_errors,
)

HERALD_TYPES = {
    "source": [
        "kafka", "syslog", "file", "http_server", "aws_s3", "splunk_hec", "datadog_agent", "journald",
        "kubernetes_logs", "demo_logs",
    ],
    "transform": ["remap", "filter", "route", "sample", "dedupe"],
    "sink": [
        "elasticsearch", "aws_s3", "aws_cloudwatch_logs", "datadog_logs", "datadog_metrics", "splunk_hec", "loki",
        "prometheus_remote_write", "clickhouse", "kafka", "http", "console", "file", "gcp_cloud_storage",
        "azure_blob_storage",
    ],
}  # fmt: skip
EXTRA_TYPES = {
    "source": ["internal_metrics", "internal_logs", "host_metrics", "prometheus_scrape", "prometheus_remote_write",
               "opentelemetry", "vector"],
    "transform": ["throttle", "reduce", "aggregate", "log_to_metric"],
    "sink": ["opentelemetry", "vector", "blackhole", "prometheus_exporter"],
}  # fmt: skip
CATALOG = default_catalog()
TYPES = sorted(CATALOG, key=lambda t: (t.kind, t.name))


def _id(ctype: ComponentType) -> str:
    return f"{ctype.kind}:{ctype.name}"


def test_herald_catalog_and_the_extras_are_all_supported() -> None:
    assert sum(len(v) for v in HERALD_TYPES.values()) == 30
    for table in (HERALD_TYPES, EXTRA_TYPES):
        for kind, names in table.items():
            missing = [n for n in names if CATALOG.lookup(kind, n) is None]  # type: ignore[arg-type]
            assert not missing, (kind, missing)


def test_old_names_compile_to_vectors_current_ones() -> None:
    assert CATALOG.lookup("sink", "splunk_hec").name == "splunk_hec_logs"  # type: ignore[union-attr]
    assert CATALOG.lookup("sink", "azure_blob_storage").name == "azure_blob"  # type: ignore[union-attr]


def test_unknown_type_suggestion() -> None:
    assert CATALOG.suggest("transform", "remapp") == "remap"
    assert CATALOG.lookup("source", "loki") is None


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_schema_file_is_a_sound_2020_12_schema(ctype: ComponentType) -> None:
    schema = json.loads(ctype.schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    relative = ctype.schema_path.relative_to(vector_schemas_dir()).as_posix()
    assert schema["$id"].endswith(f"/vector/{relative}")
    assert schema["x-vector"]["kind"] == ctype.kind
    assert ctype.schema_path.name == f"{ctype.name}.schema.json"
    assert schema.get("additionalProperties") is False, "misspelled options must be caught"
    for example in schema["examples"]:
        assert CATALOG.explainer(ctype).is_valid(example)


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_example_is_a_valid_pipeline(ctype: ComponentType) -> None:
    model = model_of(example_pipeline(ctype, CATALOG))
    assert [d.format() for d in check_model(model)] == []


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_example_compiles_to_a_config_vector_accepts(ctype: ComponentType) -> None:
    model = model_of(example_pipeline(ctype, CATALOG))
    (pipeline,) = model.pipelines.values()
    variables = {var.name: "secret" for var in pipeline.env}
    assert vector_errors(vector_config(pipeline, CATALOG), variables) == []


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_options_exist_in_vectors_schema(ctype: ComponentType) -> None:
    assert ctype.name in upstream_types(ctype.kind)
    upstream = upstream_options(ctype.kind, ctype.name)
    assert upstream is not None
    invented = sorted(ctype.option_names - upstream)
    assert invented == [], f"options Vector does not know: {invented}"


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_every_option_vector_marks_sensitive_is_sensitive_here(ctype: ComponentType) -> None:
    ours = {".".join(path) for path in ctype.sensitive}
    missing = sorted(p for p in upstream_sensitive(ctype.kind, ctype.name) if p not in ours)
    assert missing == []


def test_global_options_exist_in_vectors_schema() -> None:
    schema = json.loads((vector_schemas_dir() / "global.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert sorted(set(schema["properties"]) - upstream_global_options()) == []


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_enumerations_allow_only_what_vector_allows(ctype: ComponentType) -> None:
    schema = CATALOG.schema(ctype)
    for option, definition in schema["properties"].items():
        if "enum" in definition:
            allowed = upstream_option_values(ctype.kind, ctype.name, option)
            if not allowed:  # a free string upstream that we narrow to its documented values
                continue
            assert set(definition["enum"]) <= allowed, (option, sorted(set(definition["enum"]) - allowed))
