"""Each kind of bad pipeline is one located error that names the culprit, exit 1, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PortalRun, write_files
from tests.herald.builders import APP_LOGS, HEADER, line_of, repo_files


@dataclass(frozen=True)
class Case:
    old: str  # replaced in APP_LOGS (first occurrence after `after`)
    new: str
    at: str  # a text on the line the error must point at (in the changed file)
    says: tuple[str, ...]  # what the message must name
    after: str = ""
    at_after: str = ""  # the `at` line is the first one below this text


def changed(case: Case) -> str:
    start = APP_LOGS.index(case.after) if case.after else 0
    index = APP_LOGS.index(case.old, start)
    return APP_LOGS[:index] + case.new + APP_LOGS[index + len(case.old) :]


CASES: dict[str, Case] = {
    "cycle": Case(
        "inputs: [pod_logs]", "inputs: [by_level._unmatched]", "inputs: [parse]", ("cycle", "by_level -> parse")
    ),
    "dangling input": Case(
        "inputs: [by_level.errors]",
        "inputs: [by_levl.errors]",
        "inputs: [by_levl.errors]",
        ("by_levl.errors", "does not exist", "did you mean 'by_level.errors'"),
    ),
    "input to a source": Case(
        "type: kubernetes_logs\n", "type: kubernetes_logs\n      inputs: [parse]\n", "inputs: [parse]", ("inputs",)
    ),
    "sink with no input": Case("      inputs: [by_level._unmatched]\n", "", "loki_rest:", ("inputs",)),
    "unknown type": Case("type: loki", "type: lokki", "type: lokki", ("lokki", "did you mean 'loki'")),
    "misspelled option": Case(
        "encoding: {codec: json}", "encodng: {codec: json}", "encodng:", ("encodng", "did you mean 'encoding'")
    ),
    "wrong enum": Case("codec: json", "codec: jsn", "encoding: {codec: jsn}", ("encoding.codec", "'jsn'")),
    "unknown key in a nested block": Case(
        "extra_namespace_label_selector: team=payments\n",
        "extra_namespace_label_selector: team=payments\n"
        "      namespace_annotation_fields:\n        namespace_uid: .k8s.ns_uid\n",
        "namespace_uid:",
        ("unknown option `namespace_annotation_fields.namespace_uid`", "did you mean 'namespace_labels'"),
    ),
    "misspelled option in a nested block": Case(
        "encoding: {codec: json}",
        "encoding: {codec: json}\n      buffer:\n        type: disk\n        max_sise: 268435488",
        "max_sise:",
        ("buffer.max_sise", "did you mean 'max_size'"),
    ),
    "wrong type of a nested option": Case(
        "encoding: {codec: json}",
        "encoding: {codec: json}\n      healthcheck:\n        enabled: sometimes",
        "enabled: sometimes",
        ("healthcheck.enabled", "boolean", "'sometimes'"),
    ),
    "bad enum of a tagged option": Case(
        "auth: {strategy: bearer,",
        "auth: {strategy: oauth,",
        "auth: {strategy: oauth",
        ("auth.strategy", "'oauth'", "bearer"),
    ),
    "logs into a metrics-only sink": Case(
        "    loki_rest:\n",
        "    metrics_out:\n      type: prometheus_exporter\n      inputs: [parse]\n    loki_rest:\n",
        "inputs: [parse]",
        ("sinks.metrics_out", "accepts metrics only", "carries logs"),
        after="sinks:",
        at_after="metrics_out:",
    ),
    "route output that does not exist": Case(
        "[by_level._unmatched]",
        "[by_level.warnings]",
        "[by_level.warnings]",
        ("by_level.warnings", "no output `warnings`", "`by_level.errors`"),
    ),
    "VRL calls an undefined function": Case(
        "parse_json!(.message)",
        "parse_jsn!(.message)",
        "object!(parse_jsn!",  # the line of the call inside the program
        ("transforms.parse", "undefined function `parse_jsn`", "line 1, column 22 of the program"),
    ),
    "VRL leaves a fallible call unhandled": Case(
        ". = merge(., object!(parse_json!(.message)))",
        ". = parse_json(.message)",
        ". = parse_json(.message)",
        ("transforms.parse", "unhandled fallible", "line 1, column 1 of the program"),
    ),
    "VRL condition does not compile": Case(
        """errors: '.level == "error"'""",
        """errors: '.level === "error"'""",
        "errors: '.level",
        ("transforms.by_level", "route.errors", "syntax error"),
    ),
    "undeclared variable": Case(
        "endpoint: ${LOKI_ENDPOINT}",
        "endpoint: ${LOKI_URL}",
        "${LOKI_URL}",
        ("${LOKI_URL}", "spec.env"),
        after="loki_rest",
    ),
    "NaN in a test event": Case(
        "  sinks:\n",
        "  tests:\n    - name: nan\n      input: {into: parse, log: {message: x, ratio: .nan}}\n"
        "      expect: {from: by_level.errors}\n  sinks:\n",
        "input: {into: parse",
        ("spec.tests[0].input.log.ratio", "not a finite number", "JSON and the database cannot hold"),
    ),
    "literal secret in a sensitive option": Case(
        'token: "${LOKI_TOKEN}"',
        'token: "hunter2-very-secret"',
        "auth: {strategy: bearer",
        ("auth.token", "sensitive", "secretRef"),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_pipeline_is_one_located_error(name: str, tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    case = CASES[name]
    text = changed(case)
    write_files(tmp_path, repo_files(("app-logs", text)))
    result = portal("validate", tmp_path)
    errors = [line for line in result.lines if ": error: " in line]
    assert result.code == 1, result.out + result.err
    assert len(errors) == 1, errors
    assert "Traceback" not in result.err
    expected_line = line_of(text, case.at, case.at_after)
    assert errors[0].startswith(f"pipelines/app-logs.yaml:{expected_line}:"), (errors[0], expected_line)
    for fragment in case.says:
        assert fragment in errors[0], (fragment, errors[0])


def test_a_literal_secret_is_never_repeated(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    text = changed(CASES["literal secret in a sensitive option"])
    write_files(tmp_path, repo_files(("app-logs", text)))
    result = portal("validate", tmp_path)
    assert "hunter2" not in result.out + result.err


OTHER = (
    HEADER
    + """\
kind: Pipeline
metadata:
  name: more-logs
spec:
  team: platform
  targets:
    - clusters: {names: [prd-eu-1]}
  sources:
    pod_logs:
      type: internal_logs
  sinks:
    out:
      type: blackhole
      inputs: [pod_logs]
"""
)


def test_colliding_ids_across_two_pipelines_on_one_target(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    write_files(tmp_path, repo_files(("app-logs", APP_LOGS), ("more-logs", OTHER)))
    result = portal("validate", tmp_path)
    errors = [line for line in result.lines if ": error: " in line]
    assert result.code == 1
    assert errors == [
        f"pipelines/more-logs.yaml:{line_of(OTHER, 'pod_logs:')}:5: error: Pipeline/more-logs: component id "
        "`pod_logs` is set by both Pipeline/app-logs and Pipeline/more-logs, which run together on prd-eu-1 (agent)"
    ]


def test_disagreeing_global_options_on_one_target(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    first = APP_LOGS.replace("global: {}", "global: {data_dir: /var/lib/a}")
    second = OTHER.replace("  sources:\n    pod_logs:", "  global: {data_dir: /var/lib/b}\n  sources:\n    own_logs:")
    second = second.replace("inputs: [pod_logs]", "inputs: [own_logs]")
    write_files(tmp_path, repo_files(("app-logs", first), ("more-logs", second)))
    errors = [line for line in portal("validate", tmp_path).lines if ": error: " in line]
    assert len(errors) == 1
    assert "global option `data_dir`" in errors[0] and "Pipeline/app-logs" in errors[0]
    assert errors[0].startswith(f"pipelines/more-logs.yaml:{line_of(second, 'data_dir')}:")


def test_a_target_that_selects_no_cluster_is_a_warning(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    text = APP_LOGS.replace("matchLabels: {env: prd}", "matchLabels: {env: staging}")
    write_files(tmp_path, repo_files(("app-logs", text)))
    result = portal("validate", tmp_path)
    assert result.code == 0
    assert [line for line in result.lines if "warning" in line] == [
        f"pipelines/app-logs.yaml:{line_of(text, '- clusters:')}:7: warning: Pipeline/app-logs: "
        "targets[0] selects no cluster, so this target deploys nothing"
    ]
    assert portal("validate", tmp_path, "--strict").code == 1


def test_a_target_naming_a_cluster_that_does_not_exist_is_an_error(
    tmp_path: Path, portal: Callable[..., PortalRun]
) -> None:
    """A name matches one cluster or none: a typo there deploys nothing, so it fails, with the closest name."""
    text = APP_LOGS.replace("clusters: {matchLabels: {env: prd}}", "clusters: {names: [prd-eu-1, prd-eu-2]}")
    write_files(tmp_path, repo_files(("app-logs", text)))
    result = portal("validate", tmp_path)
    assert result.code == 1
    assert result.lines == [
        f"pipelines/app-logs.yaml:{line_of(text, '- clusters:')}:36: error: Pipeline/app-logs: "
        "spec.targets[0].clusters.names[1]: Cluster 'prd-eu-2' does not exist; did you mean 'prd-eu-1'?"
    ]


def test_the_example_pipeline_is_valid(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    write_files(tmp_path, repo_files(("app-logs", APP_LOGS)))
    result = portal("validate", tmp_path)
    assert result.code == 0, result.out
    assert result.out == ""


CANARY = "8675309123"


@pytest.mark.parametrize(
    "auth",
    [
        f"{{strategy: bearer, token: {CANARY}}}",
        f"{{strategy: bearer, token: {CANARY}.5}}",
        f"{{strategy: bearer, token: [{CANARY}]}}",
        f"{{strategy: bearer, token: {{nested: {CANARY}}}}}",
        f'{{strategy: bearer, token: "{CANARY}"}}',
        f"{CANARY}",
    ],
    ids=["number", "float", "list", "mapping", "string", "in place of auth"],
)
def test_a_sensitive_value_of_any_type_is_refused_and_never_repeated(
    auth: str, tmp_path: Path, portal: Callable[..., PortalRun]
) -> None:
    text = APP_LOGS.replace('auth: {strategy: bearer, token: "${LOKI_TOKEN}"}', f"auth: {auth}")
    assert CANARY in text
    write_files(tmp_path, repo_files(("app-logs", text)))
    for output in ("text", "json"):
        result = portal("validate", "--format", output, tmp_path)
        assert result.code == 1
        assert CANARY not in result.out + result.err
    errors = [line for line in portal("validate", tmp_path).lines if ": error: " in line]
    assert errors and all(e.startswith(f"pipelines/app-logs.yaml:{line_of(text, 'auth:')}:") for e in errors), errors
    assert any("sensitive" in e for e in errors), errors
