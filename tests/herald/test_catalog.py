"""The component catalog: Herald's 30 types and more, each schema sound and true to Vector's own schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from reconciler.herald.catalog import (
    ComponentKind,
    ComponentType,
    default_catalog,
    object_options,
    vector_schemas_dir,
)
from reconciler.herald.check import check_model
from reconciler.herald.compile import vector_config
from reconciler.model.suggestions import closest
from tests.herald.builders import VECTOR_SCHEMA, example_pipeline, model_of
from tests.herald.upstream import (
    NEWER_OPTIONS,
    SERDE_ALIASES,
    upstream_global_options,
    upstream_options,
    upstream_sensitive,
    upstream_types,
    vector_accepts_global_options,
    vector_accepts_options,
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


def test_the_types_that_were_missing_are_known() -> None:
    for kind, name in [
        ("source", "socket"), ("source", "stdin"), ("source", "fluent"), ("source", "logstash"),
        ("source", "statsd"), ("source", "http"), ("sink", "humio_metrics"), ("sink", "aws_cloudwatch_metrics"),
    ]:  # fmt: skip
        ctype = CATALOG.lookup(kind, name)  # type: ignore[arg-type]
        assert ctype is not None and ctype.kind == kind, (kind, name)


@pytest.mark.parametrize(
    ("kind", "name", "options"),
    [
        ("source", "file", {"include": ["/a"], "ignore_older": 600}),
        ("source", "prometheus_scrape", {"hosts": ["http://a:9090/metrics"]}),
        ("sink", "elasticsearch", {"endpoint": "http://es:9200"}),
        ("sink", "elasticsearch", {"endpoints": ["http://es:9200"], "mode": "normal"}),
        ("sink", "loki", {"endpoint": "http://l", "encoding": {"codec": "json"}, "healthcheck": {"uri": None}}),
        ("sink", "console", {"encoding": {"codec": "json"}, "acknowledgements": True, "healthcheck": False}),
        ("source", "opentelemetry", {"grpc": {"address": "a:1"}, "http": {"address": "a:2"}, "acknowledgements": True}),
        ("sink", "http", {"uri": "http://a", "encoding": {"codec": "json"}, "retry_strategy": {"type": "all"}}),
        ("sink", "datadog_metrics", {"default_api_key": "${K}", "series_api_version": "v1"}),
        ("sink", "splunk_hec_logs", {"endpoint": "http://s", "token": "${T}", "encoding": {"codec": "json"}}),
        ("source", "http_server", {"address": "0.0.0.0:80", "auth": {"username": "u", "password": "${P}"}}),
        ("source", "socket", {"mode": "unix", "path": "/run/vector.sock"}),
        ("source", "socket", {"mode": "tcp", "address": "0.0.0.0:9000", "tls": {"enabled": True, "crt_path": "/c"}}),
        ("sink", "loki", {"endpoint": "http://l", "encoding": {"codec": "json"}, "tls": {"ca_path": "/ca.pem"}}),
    ],
)
def test_what_vector_reads_beyond_its_schema_is_accepted(kind: ComponentKind, name: str, options: dict) -> None:
    ctype = CATALOG.lookup(kind, name)
    assert ctype is not None and CATALOG.validator(ctype).is_valid(options)


@pytest.mark.parametrize(
    ("kind", "name", "options"),
    [
        ("source", "file", {"include": ["/a"], "ignore_oldr": 600}),
        ("sink", "elasticsearch", {"endpoints": ["http://es:9200"], "mode": "bulky"}),
        ("sink", "loki", {"endpoint": "http://l", "encoding": {"codec": "json"}, "healthcheck": {"url": "x"}}),
        ("sink", "http", {"uri": "http://a", "encoding": {"codec": "json"}, "retry_strategy": {"type": "some"}}),
        ("sink", "datadog_metrics", {"default_api_key": "${K}", "series_api_version": "v3"}),
        ("sink", "splunk_hec_logs", {"endpoint": "http://s", "encoding": {"codec": "json"}}),
        ("source", "prometheus_scrape", {}),
    ],
)
def test_what_vector_refuses_is_refused(kind: ComponentKind, name: str, options: dict) -> None:
    ctype = CATALOG.lookup(kind, name)
    assert ctype is not None and not CATALOG.validator(ctype).is_valid(options)


def test_old_names_compile_to_vectors_current_ones() -> None:
    assert CATALOG.lookup("sink", "splunk_hec").name == "splunk_hec_logs"  # type: ignore[union-attr]
    assert CATALOG.lookup("sink", "azure_blob_storage").name == "azure_blob"  # type: ignore[union-attr]


def test_unknown_type_suggestion() -> None:
    assert closest("remapp", CATALOG.names("transform")) == "remap"
    assert CATALOG.lookup("source", "loki") is None


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_schema_file_is_a_sound_2020_12_schema(ctype: ComponentType) -> None:
    schema = json.loads(ctype.schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    relative = ctype.schema_path.relative_to(vector_schemas_dir()).as_posix()
    assert relative == f"{ctype.kind}s/{ctype.name}.schema.json"
    assert schema["$id"].endswith(f"/vector/{relative}")
    assert schema.get("unevaluatedProperties") is False, "misspelled options must be caught"
    assert CATALOG.explainer(ctype).is_valid(dict(CATALOG.example(ctype)))


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_example_is_a_valid_pipeline(ctype: ComponentType) -> None:
    model = model_of(example_pipeline(ctype, CATALOG))
    assert [d.format() for d in check_model(model)] == []


# Vector's schema turns a flattened `Option<Settings>` into "these settings are required": for influxdb it demands
# the v1 settings (`database`) beside the v2 ones, where Vector takes either. Ours takes either.
NEEDS_V1_SETTINGS_IN_VECTORS_SCHEMA = {("sink", "influxdb_logs"), ("sink", "influxdb_metrics")}


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_example_compiles_to_a_config_vector_accepts(ctype: ComponentType) -> None:
    model = model_of(example_pipeline(ctype, CATALOG))
    (pipeline,) = model.pipelines.values()
    variables = {var.name: "secret" for var in pipeline.env}
    config = vector_config(pipeline, CATALOG)
    if (ctype.kind, ctype.name) in NEEDS_V1_SETTINGS_IN_VECTORS_SCHEMA:
        assert vector_errors(config, variables) != []
        config["sinks"]["under_test"]["database"] = "vector"
    assert vector_errors(config, variables) == []


@pytest.mark.parametrize("kind", ["source", "transform", "sink"])
def test_every_type_vector_registers_is_known(kind: ComponentKind) -> None:
    ours = {ctype.name for ctype in TYPES if ctype.kind == kind}
    assert sorted(upstream_types(kind) - ours) == []
    assert sorted(ours - upstream_types(kind)) == []


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_every_option_vector_allows_is_accepted_and_no_other(ctype: ComponentType) -> None:
    upstream = upstream_options(ctype.kind, ctype.name)
    assert upstream is not None
    schema = CATALOG.schema(ctype)
    ours = object_options(schema, schema)  # every top-level option, aliases included
    assert sorted(upstream - ours) == []
    aliases = set(SERDE_ALIASES.get((ctype.kind, ctype.name), {}))
    assert sorted(ours - upstream - aliases - NEWER_OPTIONS) == []


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_null_is_accepted_wherever_vector_accepts_it(ctype: ComponentType) -> None:
    """Each top-level option set to null, one at a time: where Vector's schema takes it, ours does too."""
    example = dict(CATALOG.example(ctype))
    refused = [
        option
        for option in sorted(upstream_options(ctype.kind, ctype.name) or ())
        if not CATALOG.validator(ctype).is_valid({**example, option: None})
    ]
    assert [o for o in refused if vector_accepts_options(ctype.kind, ctype.name, {**example, o: None})] == []


@pytest.mark.parametrize("ctype", TYPES, ids=_id)
def test_every_option_vector_marks_sensitive_is_sensitive_here(ctype: ComponentType) -> None:
    ours = {".".join(path) for path in ctype.sensitive}
    missing = sorted(p for p in upstream_sensitive(ctype.kind, ctype.name) if p not in ours)
    assert missing == []


def test_global_options_exist_in_vectors_schema() -> None:
    schema = json.loads((vector_schemas_dir() / "global.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert sorted(set(schema["properties"]) - upstream_global_options()) == []


def test_committed_schemas_are_what_the_generator_makes(tmp_path: Path) -> None:
    if not VECTOR_SCHEMA.is_file():
        pytest.skip(f"{VECTOR_SCHEMA} is absent")
    script = Path(__file__).resolve().parents[2] / "scripts" / "generate_vector_catalog.py"
    subprocess.run([sys.executable, str(script), str(VECTOR_SCHEMA), str(tmp_path)], check=True, capture_output=True)
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.glob("*/*.schema.json"))
    committed = vector_schemas_dir()
    assert generated == sorted(p.relative_to(committed) for p in committed.glob("*/*.schema.json"))
    for relative in generated:
        assert (tmp_path / relative).read_bytes() == (committed / relative).read_bytes(), relative


def test_generated_files_carry_facts_not_vectors_text() -> None:
    for ctype in TYPES:
        text = ctype.schema_path.read_text(encoding="utf-8")
        assert '"_metadata"' not in text and "docs::" not in text


def test_null_is_accepted_in_global_options_wherever_vector_accepts_it() -> None:
    fast, _ = CATALOG.global_validators()
    schema = CATALOG.global_schema()
    candidates = [{option: None} for option in sorted(upstream_global_options())] + [
        {option: {sub: None}}
        for option, node in sorted(schema["properties"].items())
        for sub in sorted(node.get("properties", {}))
    ]
    refused = [c for c in candidates if not fast.is_valid(c)]
    assert [c for c in refused if vector_accepts_global_options(c)] == []
