"""Benchmark: validate + compile 1,000 pipelines of 10 components (VRL included); the budget is 2 s.

Peer: check-jsonschema validating a sample of 50 compiled configs against Vector's own config schema, scaled
to 1,000 — what checking every compiled config with a general-purpose validator would cost instead.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from reconciler.herald.catalog import default_catalog
from reconciler.herald.check import check_model
from reconciler.herald.compile import render_config, vector_config
from reconciler.herald.merge import merged_configs
from reconciler.herald.workloads import workload_objects
from reconciler.model import Document
from reconciler.model.build import build_model
from reconciler.model.kinds import RepoModel
from reconciler.model.ownership import DEFAULT_INSTANCE

PIPELINES = 1_000
CLUSTERS = 20
SAMPLE = 50
BUDGET_SECONDS = 2.0
VECTOR_SCHEMA = Path(__file__).resolve().parents[2] / ".." / "shared" / "upstream" / "vector" / "vector.schema.json"
API_VERSION = "portal.butlerlabs.dev/v1alpha1"


def pipeline_body(index: int) -> dict[str, Any]:
    """Ten components; ids carry the index so pipelines sharing a cluster merge without collisions.
    Every tenth pipeline has its own VRL text, the others share theirs (as teams copy snippets)."""
    n = index
    variant = index if index % 10 == 0 else 0
    return {
        "apiVersion": API_VERSION,
        "kind": "Pipeline",
        "metadata": {"name": f"bench-{n:04d}"},
        "spec": {
            "team": "payments",
            "targets": [{"clusters": {"names": [f"cluster-{n % CLUSTERS:02d}"]}, "role": "agent"}],
            "env": [
                {"name": "LOKI_ENDPOINT", "value": "http://loki.observability:3100"},
                {"name": "LOKI_TOKEN", "secretRef": {"name": "loki", "key": "token"}},
            ],
            "sources": {
                f"pods_{n}": {"type": "kubernetes_logs", "extra_namespace_label_selector": f"team=t{n}"},
                f"self_{n}": {"type": "internal_metrics", "scrape_interval_secs": 15},
            },
            "transforms": {
                f"parse_{n}": {
                    "type": "remap",
                    "inputs": [f"pods_{n}"],
                    "source": f'. = merge(., object!(parse_json!(.message)))\n.variant = "{variant}"\n',
                },
                f"keep_{n}": {"type": "filter", "inputs": [f"parse_{n}"], "condition": '.level != "debug"'},
                f"by_level_{n}": {
                    "type": "route",
                    "inputs": [f"keep_{n}"],
                    "route": {"errors": '.level == "error"', "warnings": {"type": "vrl", "source": '.level == "warn"'}},
                },
                f"sample_{n}": {"type": "sample", "inputs": [f"by_level_{n}._unmatched"], "rate": 10},
                f"limit_{n}": {
                    "type": "throttle",
                    "inputs": [f"by_level_{n}.warnings"],
                    "threshold": 100,
                    "window_secs": 1,
                },
            },
            "sinks": {
                f"loki_{n}": {
                    "type": "loki",
                    "inputs": [f"by_level_{n}.errors", f"limit_{n}", f"sample_{n}"],
                    "endpoint": "${LOKI_ENDPOINT}",
                    "auth": {"strategy": "bearer", "token": "${LOKI_TOKEN}"},
                    "encoding": {"codec": "json"},
                    "labels": {"team": "payments", "pipeline": f"bench-{n}"},
                },
                f"metrics_{n}": {
                    "type": "prometheus_remote_write",
                    "inputs": [f"self_{n}"],
                    "endpoint": "http://victoria-metrics:8428/api/v1/write",
                },
                f"archive_{n}": {
                    "type": "aws_s3",
                    "inputs": [f"parse_{n}"],
                    "region": "eu-west-1",
                    "bucket": "logs-archive",
                    "encoding": {"codec": "json"},
                    "compression": "gzip",
                },
            },
        },
    }


def cluster_body(index: int) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "Cluster",
        "metadata": {"name": f"cluster-{index:02d}", "labels": {"env": "prd"}},
        "spec": {"role": "tenant", "team": "platform", "connection": {"context": f"cluster-{index:02d}"}},
    }


def bench_model(pipelines: int = PIPELINES) -> RepoModel:
    bodies = [cluster_body(i) for i in range(CLUSTERS)] + [pipeline_body(i) for i in range(pipelines)]
    documents = [Document(path=f"doc-{i}.yaml", index=0, body=b, positions={}) for i, b in enumerate(bodies)]
    model, problems = build_model(documents)
    assert not problems, problems
    return model


def validate_and_compile(model: RepoModel) -> tuple[int, list[str]]:
    """All checks, then every per-pipeline config, every merged config and the workloads: (errors, texts)."""
    catalog = default_catalog()
    findings = check_model(model, catalog)
    texts = [render_config(vector_config(p, catalog), [p.name], "0" * 40).text for p in model.pipelines.values()]
    texts += [render_config(m.config, m.pipeline_names, "0" * 40).text for m in merged_configs(model, catalog)]
    workload_objects(merged_configs(model, catalog), DEFAULT_INSTANCE)
    return len(findings), texts


def end_to_end_seconds(pipelines: int = PIPELINES) -> float:
    """`portal compile` of the same pipelines written as files: loading, kind schemas, every check, writing."""
    from reconciler.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        for i in range(CLUSTERS):
            _write_yaml(repo / "clusters" / f"cluster-{i:02d}.yaml", cluster_body(i))
        _write_yaml(repo / "clusters" / "mgmt.yaml", {**cluster_body(0), "metadata": {"name": "mgmt"},
                    "spec": {"role": "management", "connection": {"context": "mgmt"}}})  # fmt: skip
        for team in ("payments", "platform"):
            access = {"users": [{"name": "lead@example.com", "role": "admin"}]}
            _write_yaml(repo / "teams" / f"{team}.yaml", _document("Team", team, {"access": access}))
        for i in range(pipelines):
            _write_yaml(repo / "pipelines" / f"bench-{i:04d}.yaml", pipeline_body(i))
        args = [str(repo), "--out", str(Path(tmp) / "out"), "--state-dir", str(Path(tmp) / "state")]
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            start = time.perf_counter()
            code = main(["compile", *args])
            elapsed = time.perf_counter() - start
        assert code == 0, code
        return elapsed


def _document(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": {"name": name}, "spec": spec}


def _write_yaml(path: Path, body: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")


def _peer_seconds_per_config(texts: list[str]) -> float | None:
    if not VECTOR_SCHEMA.is_file():
        return None
    executable = Path(sys.executable).with_name("check-jsonschema")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, text in enumerate(texts[:SAMPLE]):
            path = Path(tmp) / f"config-{i}.yaml"
            path.write_text(text.replace("${LOKI_ENDPOINT}", "http://loki:3100").replace("${LOKI_TOKEN}", "t"))
            files.append(str(path))
        start = time.perf_counter()
        subprocess.run([str(executable), "--schemafile", str(VECTOR_SCHEMA), *files], check=True, capture_output=True)
        return (time.perf_counter() - start) / len(files)


def run() -> list[str]:
    model = bench_model()
    default_catalog()  # loading the schemas is start-up cost, not per-commit work
    start = time.perf_counter()
    errors, texts = validate_and_compile(model)
    ours = time.perf_counter() - start
    lines = [
        f"herald: validate + compile {PIPELINES} pipelines x 10 components (VRL included): {ours:.2f} s "
        f"(budget {BUDGET_SECONDS:.1f} s, {errors} finding(s), {len(texts)} configs)"
    ]
    lines.append(
        f"herald: the same as files through `portal compile` (load, kind schemas, all checks, write): "
        f"{end_to_end_seconds():.2f} s"
    )
    per_config = _peer_seconds_per_config(texts)
    if per_config is None:
        lines.append("herald: peer check-jsonschema skipped: ../shared/upstream/vector/vector.schema.json is absent")
        return lines
    peer = per_config * PIPELINES
    lines.append(
        f"herald: peer check-jsonschema against Vector's schema: {SAMPLE} configs in {per_config * SAMPLE:.2f} s, "
        f"scaled to {PIPELINES}: {peer:.1f} s"
    )
    lines.append(f"herald: ratio peer / ours = {peer / ours:.1f}x")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
