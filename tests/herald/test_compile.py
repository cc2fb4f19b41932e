"""The compiler: plain Vector configs, deterministic to the byte, accepted by Vector's own schema."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from reconciler.build import build
from reconciler.build.outputs import write_outputs
from reconciler.build.vector_check import check_with_vector
from reconciler.herald.catalog import default_catalog
from reconciler.herald.compile import render_config, vector_config
from reconciler.herald.merge import merged_configs
from reconciler.load.sources import RepoSource, working_tree
from reconciler.validate import Validation, validate_source
from tests.conftest import PortalRun, write_files
from tests.herald.builders import APP_LOGS, HEADER, model_of, repo_files
from tests.herald.upstream import vector_errors

CATALOG = default_catalog()

INFRA = (
    HEADER
    + """\
kind: Pipeline
metadata:
  name: infra-metrics
spec:
  team: platform
  targets:
    - clusters: {names: [prd-eu-1]}
      role: agent
    - clusters: {names: [prd-eu-1]}
      role: aggregator
  env:
    - {name: LOKI_ENDPOINT, value: "http://loki.observability:3100"}
    - {name: SPLUNK_TOKEN, secretRef: {name: splunk, key: token}}
  global:
    data_dir: /vector-data
  sources:
    host:
      type: host_metrics
    vector_in:
      type: vector
      address: 0.0.0.0:6000
  transforms:
    tagged:
      type: remap
      inputs: [host]
      source: .tags.cluster = "prd-eu-1"
  sinks:
    prom:
      type: prometheus_exporter
      inputs: [tagged]
    splunk:
      type: splunk_hec
      inputs: [vector_in]
      endpoint: https://splunk.example.com:8088
      default_token: ${SPLUNK_TOKEN}
      encoding: {codec: json}
"""
)

VARIABLES = {"LOKI_ENDPOINT": "http://loki:3100", "LOKI_TOKEN": "token", "SPLUNK_TOKEN": "token"}


def compile_repo(tmp_path: Path, portal: Callable[..., PortalRun], *pipelines: tuple[str, str]) -> Path:
    repo, out = tmp_path / "repo", tmp_path / "out"
    write_files(repo, repo_files(*pipelines))
    result = portal("compile", repo, "--out", out)
    assert result.code == 0, result.out + result.err
    return out


def test_compile_writes_each_pipeline_and_each_cluster_role(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    out = compile_repo(tmp_path, portal, ("app-logs", APP_LOGS), ("infra-metrics", INFRA))
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == [
        "clusters/prd-eu-1/manifests.yaml",
        "clusters/prd-eu-1/vector-agent.yaml",
        "clusters/prd-eu-1/vector-aggregator.yaml",
        "pipelines/app-logs.vector.yaml",
        "pipelines/infra-metrics.vector.yaml",
    ]
    agent = yaml.safe_load((out / "clusters/prd-eu-1/vector-agent.yaml").read_text())
    assert sorted(agent["sources"]) == ["host", "pod_logs", "vector_in"]
    assert agent["data_dir"] == "/vector-data"
    aggregator = yaml.safe_load((out / "clusters/prd-eu-1/vector-aggregator.yaml").read_text())
    assert sorted(aggregator["sinks"]) == ["prom", "splunk"]


def test_output_is_byte_identical_across_runs_and_locations(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    first = compile_repo(tmp_path / "a", portal, ("app-logs", APP_LOGS), ("infra-metrics", INFRA))
    shutil.copytree(tmp_path / "a" / "repo", tmp_path / "elsewhere" / "repo")
    second = tmp_path / "elsewhere" / "out"
    assert portal("compile", tmp_path / "elsewhere" / "repo", "--out", second).code == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_header_names_pipelines_commit_and_body_hash() -> None:
    model = model_of(APP_LOGS)
    rendered = render_config(vector_config(model.pipelines["app-logs"], CATALOG), ["app-logs"], "c0ffee" * 6 + "c0ff")
    lines = rendered.text.splitlines(keepends=True)
    header, body = lines[:4], "".join(lines[4:])
    assert all(line.startswith("# ") for line in header)
    assert header[1] == "# pipelines: app-logs\n"
    assert header[2] == f"# commit: {'c0ffee' * 6}c0ff\n"
    assert header[3] == f"# sha256:{hashlib.sha256(body.encode()).hexdigest()}\n"
    assert rendered.body_hash == header[3][2:].strip()
    assert "sha256" not in yaml.safe_load(rendered.text), "the hash is a comment: Vector rejects unknown keys"


def test_sections_in_order_keys_sorted_inputs_sorted_types_canonical() -> None:
    text = INFRA.replace("inputs: [vector_in]", "inputs: [vector_in, tagged, host]")
    pipeline = model_of(text).pipelines["infra-metrics"]
    rendered = render_config(vector_config(pipeline, CATALOG), [pipeline.name]).text
    top_level = [line for line in rendered.splitlines() if line and not line.startswith((" ", "#", "-"))]
    assert top_level == ["data_dir: /vector-data", "sources:", "transforms:", "sinks:"]
    config = yaml.safe_load(rendered)
    assert config["sinks"]["splunk"]["inputs"] == ["host", "tagged", "vector_in"]
    assert config["sinks"]["splunk"]["type"] == "splunk_hec_logs"
    assert config["transforms"]["tagged"]["inputs"] == ["host"]
    assert list(config["sinks"]["splunk"]) == sorted(config["sinks"]["splunk"])


def test_vrl_stays_a_readable_block() -> None:
    pipeline = model_of(APP_LOGS).pipelines["app-logs"]
    rendered = render_config(vector_config(pipeline, CATALOG), [pipeline.name]).text
    assert "    source: |\n      . = merge(., object!(parse_json!(.message)))\n" in rendered


def test_every_compiled_config_passes_vectors_schema() -> None:
    model = model_of(APP_LOGS, INFRA, HEADER + "kind: Cluster\nmetadata: {name: prd-eu-1, labels: {env: prd}}\n"
                     "spec: {role: tenant, connection: {context: prd}}\n")  # fmt: skip
    configs = [vector_config(p, CATALOG) for p in model.pipelines.values()]
    merged = merged_configs(model, CATALOG)
    assert [(m.cluster, m.role) for m in merged] == [("prd-eu-1", "agent"), ("prd-eu-1", "aggregator")]
    for config in [*configs, *(m.config for m in merged)]:
        assert vector_errors(yaml.safe_load(render_config(config, ["x"]).text), VARIABLES) == []


def test_vectors_schema_rejects_what_we_reject() -> None:
    """The upstream facts our checks mirror: a misspelled option and a bad enum fail Vector's schema too."""
    config = vector_config(model_of(APP_LOGS).pipelines["app-logs"], CATALOG)
    misspelled = yaml.safe_load(yaml.safe_dump(config).replace("encoding:", "encodng:", 1))
    bad_enum = yaml.safe_load(yaml.safe_dump(config).replace("codec: json", "codec: jsn", 1))
    assert vector_errors(misspelled, VARIABLES)
    assert vector_errors(bad_enum, VARIABLES)


def test_compile_refuses_an_invalid_repo(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    write_files(tmp_path / "repo", repo_files(("app-logs", APP_LOGS.replace("type: loki", "type: lokki", 1))))
    result = portal("compile", tmp_path / "repo", "--out", tmp_path / "out")
    assert result.code == 1
    assert "lokki" in result.out
    assert not (tmp_path / "out").exists()


def test_compile_drops_files_of_removed_pipelines(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    out = compile_repo(tmp_path, portal, ("app-logs", APP_LOGS), ("infra-metrics", INFRA))
    (tmp_path / "repo" / "pipelines" / "infra-metrics.yaml").unlink()
    assert portal("compile", tmp_path / "repo", "--out", out).code == 0
    assert not (out / "pipelines" / "infra-metrics.vector.yaml").exists()
    assert not (out / "clusters" / "prd-eu-1" / "vector-aggregator.yaml").exists()


def test_a_compile_that_fails_part_way_keeps_the_earlier_outputs(
    tmp_path: Path, portal: Callable[..., PortalRun]
) -> None:
    out = compile_repo(tmp_path, portal, ("app-logs", APP_LOGS), ("infra-metrics", INFRA))
    (out / "notes.txt").write_text("not ours")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    built = build(validate_source(working_tree(tmp_path / "repo")))
    # A cluster the filesystem refuses, in place of the compiled manifests.
    vars(built)["manifests"] = {"c" * 300: [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}]}

    with pytest.raises(OSError, match="File name too long"):
        write_outputs(built, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".portal-state", "out", "repo"]  # no staging left


FAKE_VECTOR = """#!/bin/sh
# Stands in for the vector binary: rejects any config that has a console sink.
[ "$1" = validate ] && [ "$2" = --no-environment ] || exit 64
if grep -q "type: console" "$3"; then echo "x Sink \\"out\\": unknown variant" >&2; exit 78; fi
echo "Validated"
"""

CONSOLE = (
    HEADER
    + """\
kind: Pipeline
metadata:
  name: console-out
spec:
  team: payments
  targets:
    - clusters: {names: [prd-eu-1]}
  sources:
    own_logs: {type: internal_logs}
  sinks:
    out: {type: console, inputs: [own_logs], encoding: {codec: json}}
"""
)


def test_compile_runs_vector_validate_when_the_binary_is_there(
    tmp_path: Path, portal: Callable[..., PortalRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path / "repo", repo_files(("app-logs", APP_LOGS)))
    out = tmp_path / "out"
    system_path = os.environ.get("PATH", "")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    without = portal("compile", tmp_path / "repo", "--out", out, "--vector")
    assert without.code == 2 and "--vector needs a vector binary on PATH" in without.err
    assert not out.exists()  # a check that was asked for could not run: nothing written
    write_files(tmp_path / "bin", {"vector": FAKE_VECTOR})
    (tmp_path / "bin" / "vector").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{system_path}")
    assert portal("compile", tmp_path / "repo", "--out", out, "--vector").code == 0
    write_files(tmp_path / "repo", {"pipelines/console-out.yaml": CONSOLE})
    rejected = portal("compile", tmp_path / "repo", "--out", out, "--vector")
    assert rejected.code == 1
    assert sorted(line.split(":")[0] for line in rejected.lines) == [
        str(out / "clusters/prd-eu-1/vector-agent.yaml"),
        str(out / "pipelines/console-out.vector.yaml"),
    ]
    assert "unknown variant" in rejected.out


def test_an_unwritable_output_is_a_usage_error(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    write_files(tmp_path / "repo", repo_files(("app-logs", APP_LOGS)))
    write_files(tmp_path, {"out": "a file, not a directory"})
    result = portal("compile", tmp_path / "repo", "--out", tmp_path / "out")
    assert result.code == 2 and "cannot write" in result.err and "Traceback" not in result.err


def test_vector_rejections_are_placed_at_their_pipeline(tmp_path: Path) -> None:
    write_files(tmp_path / "bin", {"vector": FAKE_VECTOR})
    (tmp_path / "bin" / "vector").chmod(0o755)
    model = model_of(APP_LOGS, CONSOLE, HEADER + "kind: Cluster\nmetadata: {name: prd-eu-1, labels: {env: prd}}\n"
                     "spec: {role: tenant, connection: {context: prd}}\n")  # fmt: skip
    built = build(Validation(RepoSource("a model", ()), (), model, ()))
    found = [d.format() for d in check_with_vector(built.vector_configs, str(tmp_path / "bin" / "vector"))]
    assert [line.split(": error: ")[1].split(" rejects ")[0] for line in found] == [
        "Pipeline/console-out: vector validate",
        "Pipeline/app-logs: vector validate",
    ]
    assert "the config merged for prd-eu-1 (agent)" in found[1]
