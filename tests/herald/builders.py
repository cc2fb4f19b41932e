"""Pipeline documents for tests: the EXAMPLES.md pipeline, one-line changes of it, and models around them."""

from __future__ import annotations

from pathlib import Path

import yaml

from reconciler.herald.catalog import Catalog, ComponentType
from reconciler.herald.interpolation import references, strings
from reconciler.load.yaml_documents import parse_documents
from reconciler.model import Document
from reconciler.model.build import build_model
from reconciler.model.kinds import RepoModel
from tests.foundation.repos import HEADER, MANAGEMENT

UPSTREAM = Path(__file__).resolve().parents[2] / ".." / "shared" / "upstream"
VECTOR_SCHEMA = UPSTREAM / "vector" / "vector.schema.json"
REFERENCE_VALUES = sorted((UPSTREAM / "vector-reference").glob("*-vector-values.yaml"))


APP_LOGS = (
    HEADER
    + """\
kind: Pipeline
metadata:
  name: app-logs
spec:
  team: payments
  description: Pod logs of the payments namespace to Loki
  targets:
    - clusters: {matchLabels: {env: prd}}
      role: agent
  env:
    - {name: LOKI_ENDPOINT, value: "http://loki.observability:3100"}
    - {name: LOKI_TOKEN, secretRef: {name: loki-credentials, key: token}}
  global: {}
  sources:
    pod_logs:
      type: kubernetes_logs
      extra_namespace_label_selector: team=payments
  transforms:
    parse:
      type: remap
      inputs: [pod_logs]
      source: |
        . = merge(., object!(parse_json!(.message)))
    by_level:
      type: route
      inputs: [parse]
      route:
        errors: '.level == "error"'
  sinks:
    loki_errors:
      type: loki
      inputs: [by_level.errors]
      endpoint: ${LOKI_ENDPOINT}
      auth: {strategy: bearer, token: "${LOKI_TOKEN}"}
      encoding: {codec: json}
      labels: {team: payments}
    loki_rest:
      type: loki
      inputs: [by_level._unmatched]
      endpoint: ${LOKI_ENDPOINT}
      encoding: {codec: json}
      labels: {team: payments}
"""
)

# spec.tests of APP_LOGS, to append to it: one in the short form, one in Vector's own (both pass).
APP_LOGS_TESTS = """\
  tests:
    - name: errors are routed
      input: {into: parse, log: {message: '{"level":"error","msg":"boom"}'}}
      expect: {from: by_level.errors, fields: {level: error, msg: boom}}
    - name: the rest is unmatched
      inputs:
        - insert_at: parse
          type: log
          log_fields: {message: '{"level":"info"}'}
      outputs:
        - extract_from: by_level._unmatched
          conditions: ['.level == "info"']
"""

PRD_CLUSTER = (
    HEADER
    + """\
kind: Cluster
metadata:
  name: prd-eu-1
  labels: {env: prd, region: eu}
spec:
  role: tenant
  team: platform
  connection: {context: prd-eu-1}
"""
)

AGENT_ON_PRD = "    - clusters: {matchLabels: {env: prd}}\n      role: agent\n"  # APP_LOGS's targets


def cluster_named(name: str, labels: str) -> str:
    """PRD_CLUSTER under another name and labels (written as a flow mapping)."""
    text = PRD_CLUSTER.replace("name: prd-eu-1", f"name: {name}").replace("context: prd-eu-1", f"context: {name}")
    return text.replace("{env: prd, region: eu}", labels)


def pipeline_named(name: str, targets: str) -> str:
    """APP_LOGS under another name, with other targets and component ids of its own."""
    assert AGENT_ON_PRD in APP_LOGS
    text = APP_LOGS.replace("name: app-logs", f"name: {name}").replace(AGENT_ON_PRD, targets)
    text = text.replace("pod_logs", f"{name}_logs").replace("loki_", f"{name}_loki_").replace("by_", f"{name}_by_")
    return text.replace("    parse:", f"    {name}_parse:").replace("[parse]", f"[{name}_parse]")


def document(text: str, path: str = "pipelines/app-logs.yaml") -> Document:
    parsed, problems = parse_documents(text, path)
    assert not problems, problems
    first = parsed[0]
    return Document(path=path, index=0, body=first.value, positions=first.positions)


def model_of(*texts: str) -> RepoModel:
    docs = [document(text, f"doc{i}.yaml") for i, text in enumerate(texts)]
    model, problems = build_model(docs)
    assert not problems, problems
    return model


def line_of(text: str, needle: str, after: str = "") -> int:
    """1-based line of the first line containing `needle` (below the first line containing `after`)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines[start:], start + 1) if needle in line)


TEAMS = (
    HEADER
    + """\
kind: Team
metadata:
  name: payments
spec:
  access:
    users: [{name: alice@acme.dev, role: admin}]
---
apiVersion: portal.butlerlabs.dev/v1alpha1
kind: Team
metadata:
  name: platform
spec:
  access:
    users: [{name: bob@acme.dev, role: admin}]
"""
)


def repo_files(*pipelines: tuple[str, str]) -> dict[str, str]:
    """A valid platform repo (teams, a management and a prd cluster) holding the given pipeline files."""
    files = {"teams.yaml": TEAMS, "clusters/mgmt.yaml": MANAGEMENT, "clusters/prd-eu-1.yaml": PRD_CLUSTER}
    files.update({f"pipelines/{name}.yaml": text for name, text in pipelines})
    return files


def _upstream_for(accepts: frozenset[str]) -> tuple[str, dict[str, object]]:
    """A source whose events the component accepts."""
    if "logs" in accepts:
        return "demo_logs", {"format": "json"}
    if "metrics" in accepts:
        return "internal_metrics", {}
    return "vector", {"address": "0.0.0.0:6000"}


def example_pipeline(ctype: ComponentType, catalog: Catalog) -> str:
    """A minimal valid pipeline around the first example of a component type."""
    options = dict(catalog.example(ctype))
    component = {"type": ctype.name, **options}
    spec: dict[str, object] = {"team": "payments"}
    refs = sorted({r.name for _, text in strings(options) for r in references(text)})
    if refs:
        spec["env"] = [{"name": r, "secretRef": {"name": "credentials", "key": r.lower()}} for r in refs]
    if ctype.kind == "source":
        outputs = ctype.outputs_for(options)
        output = None if None in outputs else sorted(o for o in outputs if o)[0]
        spec["sources"] = {"under_test": component}
        spec["sinks"] = {"out": {"type": "blackhole", "inputs": ["under_test" + (f".{output}" if output else "")]}}
    else:
        source_type, source_options = _upstream_for(ctype.accepts)
        spec["sources"] = {"events": {"type": source_type, **source_options}}
        component["inputs"] = ["events"]
        if ctype.kind == "transform":
            outputs = ctype.outputs_for(options)
            output = None if None in outputs else sorted(o for o in outputs if o and not o.startswith("_"))[0]
            spec["transforms"] = {"under_test": component}
            sink_input = "under_test" + (f".{output}" if output else "")
            spec["sinks"] = {"out": {"type": "blackhole", "inputs": [sink_input]}}
        else:
            spec["sinks"] = {"under_test": component}
    document = {
        "apiVersion": "portal.butlerlabs.dev/v1alpha1",
        "kind": "Pipeline",
        "metadata": {"name": f"example-{ctype.kind}-{ctype.name.replace('_', '-')}"},
        "spec": spec,
    }
    return yaml.safe_dump(document, sort_keys=False)
