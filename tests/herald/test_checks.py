"""Details of the checks that the bad-input matrix does not reach."""

from __future__ import annotations

import yaml

from reconciler.herald.catalog import default_catalog
from reconciler.herald.check import check_model
from reconciler.herald.interpolation import references, sole_reference, substitute
from reconciler.herald.vrl import compile_error
from tests.herald.builders import HEADER, model_of

CATALOG = default_catalog()


def pipeline(spec: dict[str, object]) -> str:
    return HEADER + yaml.safe_dump({"kind": "Pipeline", "metadata": {"name": "p"}, "spec": {"team": "t", **spec}})


def messages(spec: dict[str, object]) -> list[str]:
    return [d.message for d in check_model(model_of(pipeline(spec)), CATALOG)]


OTLP = {"type": "opentelemetry", "grpc": {"address": "0.0.0.0:4317"}, "http": {"address": "0.0.0.0:4318"}}


def test_named_outputs_of_opentelemetry_and_the_missing_default() -> None:
    sinks = {
        "traces": {"type": "blackhole", "inputs": ["otlp.traces"]},
        "all": {"type": "blackhole", "inputs": ["otlp"]},
    }
    assert messages({"sources": {"otlp": OTLP}, "sinks": sinks}) == [
        "sinks.all: input `otlp`: sources.otlp has no default output; use one of `otlp.logs`, `otlp.metrics`, "
        "`otlp.traces`"
    ]


def test_event_kinds_follow_named_outputs() -> None:
    sinks = {"prom": {"type": "prometheus_exporter", "inputs": ["otlp.logs", "otlp.metrics"]}}
    assert messages({"sources": {"otlp": OTLP}, "sinks": sinks}) == [
        "sinks.prom: prometheus_exporter accepts metrics only, but input `otlp.logs` carries logs"
    ]


def test_passthrough_transforms_carry_their_input_kinds() -> None:
    spec = {
        "sources": {"metrics": {"type": "internal_metrics"}},
        "transforms": {"tag": {"type": "remap", "inputs": ["metrics"], "source": '.tags.a = "b"'}},
        "sinks": {"loki": {"type": "loki", "inputs": ["tag"], "endpoint": "http://l", "encoding": {"codec": "json"}}},
    }
    assert messages(spec) == ["sinks.loki: loki accepts logs only, but input `tag` carries metrics"]


def test_log_to_metric_turns_logs_into_metrics() -> None:
    spec = {
        "sources": {"logs": {"type": "demo_logs", "format": "json"}},
        "transforms": {
            "count": {"type": "log_to_metric", "inputs": ["logs"], "metrics": [{"type": "counter", "field": "a"}]}
        },
        "sinks": {"prom": {"type": "prometheus_exporter", "inputs": ["count"]}},
    }
    assert messages(spec) == []


def test_remap_dropped_output_exists_only_when_rerouted() -> None:
    def spec(reroute: bool) -> dict[str, object]:
        return {
            "sources": {"logs": {"type": "demo_logs", "format": "json"}},
            "transforms": {
                "parse": {
                    "type": "remap",
                    "inputs": ["logs"],
                    "source": ". = parse_json!(.message)",
                    "reroute_dropped": reroute,
                }
            },
            "sinks": {"bad": {"type": "blackhole", "inputs": ["parse.dropped"]}},
        }

    assert messages(spec(True)) == []
    assert len(messages(spec(False))) == 1


def test_wildcard_inputs() -> None:
    spec = {
        "sources": {"app_a": {"type": "internal_logs"}, "app_b": {"type": "internal_logs"}},
        "sinks": {"all": {"type": "blackhole", "inputs": ["app_*"]}, "none": {"type": "blackhole", "inputs": ["x*"]}},
    }
    assert messages(spec) == ["sinks.none: input `x*` matches no component"]


def test_ids_unique_across_sections_and_sinks_are_not_inputs() -> None:
    spec = {
        "sources": {"logs": {"type": "internal_logs"}},
        "transforms": {"out": {"type": "remap", "inputs": ["logs"], "source": "."}},
        "sinks": {"out": {"type": "blackhole", "inputs": ["logs"]}, "b": {"type": "blackhole", "inputs": ["out"]}},
    }
    assert messages(spec)[0] == (
        "sinks.out: component id `out` is also used by transforms.out; ids must be unique across sources, "
        "transforms and sinks"
    )


def test_a_type_of_another_kind() -> None:
    spec = {"sources": {"x": {"type": "loki"}}, "sinks": {"y": {"type": "blackhole", "inputs": ["x"]}}}
    assert messages(spec) == ["sources.x: unknown source type `loki`: `loki` is a sink type, not a source type"]


def test_variables_with_defaults_need_no_declaration_and_plain_values_are_not_secrets() -> None:
    spec = {
        "env": [{"name": "TOKEN", "value": "abc"}],
        "sources": {"logs": {"type": "internal_logs", "host_key": "${HOST_KEY:-host}"}},
        "sinks": {
            "loki": {
                "type": "loki",
                "inputs": ["logs"],
                "endpoint": "http://l",
                "encoding": {"codec": "json"},
                "auth": {"strategy": "bearer", "token": "${TOKEN}"},
            }
        },
    }
    assert messages(spec) == [
        "sinks.loki: `auth.token` is sensitive, but `${TOKEN}` is declared with a plain value; give it a secretRef"
    ]


def test_variables_do_not_break_typed_options() -> None:
    spec = {
        "env": [{"name": "RATE", "value": "10"}],
        "sources": {"logs": {"type": "internal_logs"}},
        "transforms": {"s": {"type": "sample", "inputs": ["logs"], "rate": "${RATE}"}},
        "sinks": {"out": {"type": "blackhole", "inputs": ["s"]}},
    }
    assert messages(spec) == []


def test_interpolation_forms() -> None:
    names = [(r.name, r.has_default) for r in references("$A ${B} ${C:-x} ${D?err} $$E")]
    assert names == [("A", False), ("B", False), ("C", True), ("D", False)]
    assert sole_reference("${X}") == "X" and sole_reference("Bearer ${X}") is None
    assert substitute({"port": "${P}", "url": "http://${H}:1"}, {"P": "9000", "H": "h"}) == {
        "port": 9000,
        "url": "http://h:1",
    }


def test_vrl_messages() -> None:
    assert compile_error('.a = "b"') is None
    assert compile_error("nope(.a)") == "call to undefined function `nope`"
    assert compile_error(". = parse_json(.message)") == "unhandled fallible assignment"


def test_global_options_are_vectors() -> None:
    spec = {
        "global": {"data_dri": "/var/lib/vector", "api": {"enabled": "yes"}},
        "sources": {"logs": {"type": "internal_logs"}},
        "sinks": {"out": {"type": "blackhole", "inputs": ["logs"]}},
    }
    assert sorted(messages(spec)) == [
        "global: `api.enabled` must be of type boolean, not 'yes'",
        "global: unknown option `data_dri` for Vector's global options; did you mean 'data_dir'?",
    ]


def test_codecs_decide_the_event_kinds_of_sources_and_sinks() -> None:
    """A source decoding `native_json` emits metrics too; a sink encoding `text` takes metrics, `csv` does not."""

    def spec(decoding: str, encoding: str) -> dict[str, object]:
        source = {"type": "socket", "mode": "tcp", "address": "0.0.0.0:9000", "decoding": {"codec": decoding}}
        sinks = {
            "prom": {"type": "prometheus_exporter", "inputs": ["in"]},
            "file": {"type": "file", "inputs": ["in"], "path": "/tmp/o", "encoding": {"codec": encoding}},
        }
        if encoding == "csv":
            sinks["file"]["encoding"]["csv"] = {"fields": ["a"]}  # type: ignore[index]
        return {"sources": {"in": source}, "sinks": sinks}

    assert messages(spec("native_json", "text")) == []
    assert messages(spec("influxdb", "json")) == []
    assert messages(spec("json", "text")) == [
        "sinks.prom: prometheus_exporter accepts metrics only, but input `in` carries logs"
    ]
    assert messages(spec("native_json", "csv")) == []  # logs among the kinds: Vector accepts the edge
    assert messages(spec("influxdb", "csv")) == ["sinks.file: file accepts logs only, but input `in` carries metrics"]


def test_exclusive_route_outputs_are_its_route_names() -> None:
    spec = {
        "sources": {"logs": {"type": "demo_logs", "format": "json"}},
        "transforms": {
            "split": {
                "type": "exclusive_route",
                "inputs": ["logs"],
                "routes": [{"name": "errors", "condition": '.level == "error"'}],
            }
        },
        "sinks": {
            "errors": {"type": "blackhole", "inputs": ["split.errors"]},
            "rest": {"type": "blackhole", "inputs": ["split._unmatched"]},
            "typo": {"type": "blackhole", "inputs": ["split.eror"]},
        },
    }
    (message,) = messages(spec)
    assert message.startswith("sinks.typo: input `split.eror`") and "`split.errors`" in message


def test_the_deprecated_http_source_is_a_source() -> None:
    spec = {
        "sources": {"webhook": {"type": "http", "address": "0.0.0.0:8000"}},
        "sinks": {"out": {"type": "blackhole", "inputs": ["webhook"]}},
    }
    assert messages(spec) == []


def test_messages_never_show_a_secret_nor_an_object_that_may_hold_one() -> None:
    def with_auth(auth: dict[str, object]) -> list[str]:
        source = {"type": "http_server", "address": "0.0.0.0:80", "auth": auth}
        return messages({"sources": {"in": source}, "sinks": {"out": {"type": "blackhole", "inputs": ["in"]}}})

    wrong_type = with_auth({"strategy": "basic", "username": "u", "password": 424242})
    assert wrong_type == [  # a literal of any type is refused as a literal, and not repeated
        "sources.in: `auth.password` is sensitive and must be a `${VAR}` backed by a secretRef in spec.env,"
        " not a literal value"
    ]
    wrong_shape = with_auth({"strategy": "oauth", "username": "u", "password": "hunter2-literal"})
    assert wrong_shape and not any("hunter2" in m for m in wrong_shape), wrong_shape
    assert "sources.in: `auth.strategy` is 'oauth', expected one of: basic, custom" in wrong_shape
    not_an_object = with_auth(["u", "hunter2-literal"])  # type: ignore[arg-type]
    assert not_an_object and not any("hunter2" in m for m in not_an_object), not_an_object


def test_a_bad_value_of_an_enumeration_lists_every_allowed_value() -> None:
    """Vector's schema writes some enumerations as one branch per value: the message names them all."""
    spec = {
        "sources": {"in": {"type": "demo_logs", "format": "json"}},
        "sinks": {
            "out": {
                "type": "kafka",
                "inputs": ["in"],
                "bootstrap_servers": "k:9092",
                "topic": "t",
                "encoding": {"codec": "json"},
                "compression": "zstdd",
            }
        },
    }
    assert messages(spec) == [
        "sinks.out: `compression` is 'zstdd', expected one of: none, gzip, snappy, lz4, zstd; did you mean 'zstd'?"
    ]
