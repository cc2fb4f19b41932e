"""Ports and file descriptors: Vector refuses a config in which two components claim one (its
`Resource::conflicts`: the same protocol and address, or the same descriptor), within a pipeline or across
pipelines that run together."""

from __future__ import annotations

import pytest
import yaml

from reconciler.herald.catalog import default_catalog
from reconciler.herald.check import check_model
from reconciler.herald.resources import claimed
from tests.herald.builders import HEADER, PRD_CLUSTER, model_of

CATALOG = default_catalog()
TARGET = [{"clusters": {"names": ["prd-eu-1"]}, "role": "aggregator"}]


def pipeline(name: str, sources: dict[str, dict[str, object]]) -> str:
    inputs = [f"{cid}.logs" if body["type"] == "opentelemetry" else cid for cid, body in sources.items()]
    sinks = {f"{name}_out": {"type": "blackhole", "inputs": inputs}}
    spec = {"team": "t", "targets": TARGET, "sources": sources, "sinks": sinks}
    return HEADER + yaml.safe_dump({"kind": "Pipeline", "metadata": {"name": name}, "spec": spec})


def messages(*pipelines: str) -> list[str]:
    return [d.message for d in check_model(model_of(PRD_CLUSTER, *pipelines), CATALOG)]


OTLP = {"type": "opentelemetry", "grpc": {"address": "0.0.0.0:4317"}, "http": {"address": "0.0.0.0:4318"}}


def test_two_pipelines_listening_on_one_port_on_one_vector_clash() -> None:
    found = messages(pipeline("a", {"a_otlp": OTLP}), pipeline("b", {"b_otlp": OTLP}))
    assert found == [
        "port tcp 0.0.0.0:4317 is claimed by both Pipeline/a and Pipeline/b, which run together on prd-eu-1 "
        "(aggregator)",
        "port tcp 0.0.0.0:4318 is claimed by both Pipeline/a and Pipeline/b, which run together on prd-eu-1 "
        "(aggregator)",
    ]


def test_two_components_of_one_pipeline_on_one_port_clash() -> None:
    sources = {
        "first": {"type": "http_server", "address": "0.0.0.0:8080", "decoding": {"codec": "json"}},
        "second": {"type": "socket", "mode": "tcp", "address": "0.0.0.0:8080", "decoding": {"codec": "json"}},
    }
    assert messages(pipeline("a", sources)) == [
        "sources.second: port tcp 0.0.0.0:8080 is also claimed by sources.first; Vector refuses two components "
        "holding one port or file descriptor"
    ]


def socket(mode: str, **options: str) -> dict[str, str]:
    return {"type": "socket", "mode": mode, **options}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (socket("udp", address="0.0.0.0:514"), {"type": "syslog", "mode": "tcp", "address": "0.0.0.0:514"}),
        (socket("tcp", address="127.0.0.1:9000"), socket("tcp", address="0.0.0.0:9000")),
        (socket("tcp", address="${LISTEN}"), socket("tcp", address="${LISTEN}")),
        (socket("unix_stream", path="/a"), socket("unix_stream", path="/b")),
        ({"type": "prometheus_remote_write", "address": "0.0.0.0:9090"},) * 2,
    ],
    ids=["udp and tcp", "other addresses", "variables", "unix sockets", "a source declaring none"],
)
def test_what_vector_does_not_count_as_one_resource_is_no_clash(first: dict, second: dict) -> None:
    sources = {"first": {**first, "decoding": {"codec": "bytes"}}, "second": {**second, "decoding": {"codec": "bytes"}}}
    sources = {cid: {k: v for k, v in body.items() if k != "decoding" or body["type"] == "socket"}
               for cid, body in sources.items()}  # fmt: skip
    assert not [m for m in messages(pipeline("a", sources)) if "claimed" in m]


def test_what_each_listener_claims() -> None:
    assert list(claimed("source", "opentelemetry", OTLP)) == [
        ("port tcp 0.0.0.0:4317", ("grpc", "address")),
        ("port tcp 0.0.0.0:4318", ("http", "address")),
    ]
    assert list(claimed("source", "fluent", {"address": "[::]:24224"})) == [("port tcp [::]:24224", ("address",))]
    assert list(claimed("source", "statsd", {"mode": "udp", "address": "0.0.0.0:8125"})) == [
        ("port udp 0.0.0.0:8125", ("address",))
    ]
    assert list(claimed("source", "stdin", {})) == [("file descriptor 0", ("type",))]
    assert list(claimed("sink", "socket", {"mode": "tcp", "address": "10.0.0.1:9000"})) == []  # it connects
