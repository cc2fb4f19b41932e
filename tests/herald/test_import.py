"""Import: existing Vector configs become Pipeline documents that compile back to the same config."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.herald.config_formats import detect_format
from reconciler.herald.helm_tpl import render_values
from reconciler.herald.importer import ImportFailure, ImportRequest, find_vector_config, import_pipeline
from tests.conftest import REPO_ROOT, PortalRun, write_files
from tests.herald.builders import REFERENCE_VALUES, UPSTREAM, repo_files


def inputs_as_sets(config: Mapping[str, Any]) -> dict[str, Any]:
    """A config with every `inputs` list as a set: Vector does not care about their order."""
    result: dict[str, Any] = dict(config)
    for section in ("transforms", "sinks"):
        result[section] = {
            cid: {**body, "inputs": set(body.get("inputs", []))} for cid, body in config.get(section, {}).items()
        }
    return result


@pytest.mark.parametrize("values", REFERENCE_VALUES or [UPSTREAM / "vector-reference"], ids=lambda p: p.name)
def test_reference_configs_round_trip(values: Path, tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    if not values.is_file():
        pytest.skip(f"{values} is absent")
    original = yaml.safe_load(values.read_text())["spec"]["values"]["customConfig"]
    name = values.name.removesuffix("-vector-values.yaml") + "-aggregator"
    imported = portal(
        "pipeline",
        "import",
        values,
        "--name",
        name,
        "--team",
        "platform",
        "--target",
        "env=prd",
        "--role",
        "aggregator",
    )
    assert imported.code == 0, imported.err
    write_files(tmp_path / "repo", repo_files((name, imported.out)))
    validated = portal("validate", tmp_path / "repo")
    assert validated.code == 0 and validated.out == "", validated.out
    assert portal("compile", tmp_path / "repo", "--out", tmp_path / "out").code == 0
    # The chart renders customConfig with `tpl`: Vector runs `{{cluster}}` where the values say {{ `{{cluster}}` }}.
    # `data_dir` is the cluster's Vector's own, not the pipeline's.
    rendered = {k: v for k, v in render_values(original).items() if k != "data_dir"}
    assert "data_dir" in original and "`data_dir` is not imported: each cluster's" in imported.err
    for compiled in (f"pipelines/{name}.vector.yaml", "clusters/prd-eu-1/vector-aggregator.yaml"):
        text = (tmp_path / "out" / compiled).read_text()
        assert inputs_as_sets(yaml.safe_load(text)) == inputs_as_sets(rendered), compiled
        assert "{{cluster}}" in text and "`" not in text


PLAIN = """\
data_dir: /var/lib/vector
sources:
  app:
    type: file
    include: [/var/log/app.log]
transforms:
  parse:
    type: remap
    inputs: app
    source: . = parse_json!(.message)
sinks:
  out:
    type: http
    inputs: [parse]
    uri: ${COLLECTOR_URL}
    encoding: {codec: json}
    auth: {strategy: bearer, token: "${COLLECTOR_TOKEN}"}
tests:
  - name: parses
    inputs: []
    outputs: []
"""


def test_plain_vector_yaml_imports_with_its_variables_from_a_secret() -> None:
    text, left_out = import_pipeline(PLAIN, ImportRequest("app", "payments"))
    document = yaml.safe_load(text)
    assert list(document) == ["apiVersion", "kind", "metadata", "spec"]
    spec = document["spec"]
    assert "targets" not in spec and "global" not in spec
    assert spec["transforms"]["parse"]["inputs"] == ["app"]
    assert spec["env"] == [
        {"name": "COLLECTOR_TOKEN", "secretRef": {"name": "app-env", "key": "COLLECTOR_TOKEN"}},
        {"name": "COLLECTOR_URL", "secretRef": {"name": "app-env", "key": "COLLECTOR_URL"}},
    ]
    assert [key for key, _ in left_out] == ["data_dir"]
    assert spec["tests"] == [{"name": "parses", "inputs": [], "outputs": []}]


def test_json_and_helm_values_are_read_too() -> None:
    config = yaml.safe_load(PLAIN)
    assert find_vector_config(json.dumps(config)) == config
    assert find_vector_config(yaml.safe_dump({"role": "Agent", "customConfig": config})) == config


def test_targets_by_labels_or_by_names() -> None:
    by_labels, _ = import_pipeline(PLAIN, ImportRequest("app", "payments", "env=prd,region=eu", "aggregator"))
    by_names, _ = import_pipeline(PLAIN, ImportRequest("app", "payments", "prd-eu-1,prd-us-1"))
    assert yaml.safe_load(by_labels)["spec"]["targets"] == [
        {"clusters": {"matchLabels": {"env": "prd", "region": "eu"}}, "role": "aggregator"}
    ]
    assert yaml.safe_load(by_names)["spec"]["targets"] == [
        {"clusters": {"names": ["prd-eu-1", "prd-us-1"]}, "role": "agent"}
    ]


@pytest.mark.parametrize(
    ("text", "says", "where"),
    [
        ('[sources.app]\ntype = "file"\ninclude = \n', "not valid TOML", (3, 11)),
        ("sources: [unclosed\n", "invalid YAML", (2, 1)),
        ('{"sources": ', "not valid JSON", (1, 13)),
        ("kind: ConfigMap\ndata: {}\n", "no Vector config found", None),
    ],
)
def test_what_is_not_a_vector_config(text: str, says: str, where: tuple[int, int] | None) -> None:
    with pytest.raises(ImportFailure, match=says) as failure:
        find_vector_config(text)
    location = failure.value.location
    assert (location.line, location.column) == where if location else where is None


def test_cli_writes_the_document_or_explains(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    write_files(tmp_path, {"vector.yaml": PLAIN, "vector.toml": "[sources.a]\ntype = \n"})
    result = portal("pipeline", "import", tmp_path / "vector.yaml", "--name", "app", "--team", "payments",
                    "-o", tmp_path / "out" / "app.yaml")  # fmt: skip
    assert result.code == 0 and result.out == ""
    assert yaml.safe_load((tmp_path / "out" / "app.yaml").read_text())["metadata"] == {"name": "app"}
    bad = portal("pipeline", "import", tmp_path / "vector.toml", "--name", "app", "--team", "payments")
    assert (
        bad.code == 1
        and "not valid TOML" in bad.err
        and f"{tmp_path / 'vector.toml'}:2:" in bad.err
        and "Traceback" not in bad.err
    )
    missing = portal("pipeline", "import", tmp_path / "nope.yaml", "--name", "app", "--team", "payments")
    assert missing.code == 2 and "cannot read" in missing.err
    bad_name = portal("pipeline", "import", tmp_path / "vector.yaml", "--name", "App_1", "--team", "payments")
    assert bad_name.code == 2


HELM_RELEASE = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: vector}\n"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("sources: [unclosed\n", "2:1: error: invalid YAML: did not find expected ',' or ']'"),
        (HELM_RELEASE + "spec: [1]\n", "4:1: error: HelmRelease: spec must be a mapping; found a list"),
        (HELM_RELEASE + "spec:\n", "4:1: error: HelmRelease: spec must be a mapping; found nothing"),
        (HELM_RELEASE + "spec: {values: 3}\n", "4:8: error: HelmRelease: spec.values must be a mapping; found a num"),
        (
            "sources:\n" + "".join("  " * i + "  a:\n" for i in range(5000)),
            "1000:2000: error: invalid YAML: exceeded maximum nesting",
        ),
        ('{"sources": ' + '{"a": ' * 5000 + "1" + "}" * 5001, "1:"),
        ('a: &a "' + "x" * 500_000 + '"\nsources: [' + ",".join(["*a"] * 160_000) + "]\n", "1:4: error: "),
    ],
    ids=["syntax", "spec list", "spec null", "values int", "deep YAML", "deep JSON", "scalar alias bomb"],
)
def test_what_cannot_be_imported_is_a_located_error(
    text: str, error: str, tmp_path: Path, portal: Callable[..., PortalRun]
) -> None:
    write_files(tmp_path, {"in.yaml": text})
    result = portal("pipeline", "import", tmp_path / "in.yaml", "--name", "app", "--team", "payments")
    assert result.code == 1
    assert result.err.startswith(f"{tmp_path / 'in.yaml'}:{error}"), result.err
    assert "internal error" not in result.err and "Traceback" not in result.err


TOML = """\
# Vector's original format
data_dir = "/var/lib/vector"

[sources.app]
type = "file"
include = ["/var/log/app.log"]

[transforms.parse]
type = "remap"
inputs = ["app"]
source = '''
. = parse_json!(.message)
'''

[sinks.out]
type = "http"
inputs = ["parse"]
uri = "${COLLECTOR_URL}"
encoding.codec = "json"
auth = { strategy = "bearer", token = "${COLLECTOR_TOKEN}" }
"""


@pytest.mark.parametrize("name", ["vector.toml", "vector.conf", None])
def test_toml_is_read_by_its_suffix_or_its_content(name: str | None) -> None:
    """A TOML file starting with top-level `key = value` pairs was read as YAML (one string, no config)."""
    expected = {k: v for k, v in yaml.safe_load(PLAIN).items() if k != "tests"}
    expected["transforms"]["parse"]["inputs"] = ["app"]
    expected["transforms"]["parse"]["source"] = ". = parse_json!(.message)\n"
    assert find_vector_config(TOML, name) == expected


def test_the_suffix_decides_over_the_content() -> None:
    with pytest.raises(ImportFailure, match="not valid JSON"):
        find_vector_config("sources: {}\n", "vector.json")
    assert find_vector_config(json.dumps({"sinks": {}}), "vector.yaml") == {"sinks": {}}


HELM_VALUES = """\
role: Agent
customConfig:
  sinks:
    loki:
      type: loki
      inputs: [k8s]
      endpoint: http://loki:3100
      encoding: {codec: json}
      labels:
        raw: '{{`{{ source_type }}`}}'
        quoted: '{{ "{{ kubernetes.pod_name }}" }}'
        trimmed: 'ns- {{- `{{ kubernetes.pod_namespace }}` -}} -x'
        commented: '{{/* set by the chart */}}{{`{{ host }}`}}'
        plain: no templates here
"""


def test_helm_tpl_escapes_become_what_helm_renders() -> None:
    labels = find_vector_config(HELM_VALUES)["sinks"]["loki"]["labels"]
    assert labels == {
        "raw": "{{ source_type }}",
        "quoted": "{{ kubernetes.pod_name }}",
        "trimmed": "ns-{{ kubernetes.pod_namespace }}-x",
        "commented": "{{ host }}",
        "plain": "no templates here",
    }
    release = {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "spec": {"values": {}}}
    release["spec"]["values"] = yaml.safe_load(HELM_VALUES)
    assert find_vector_config(yaml.safe_dump(release))["sinks"]["loki"]["labels"] == labels


def test_a_plain_vector_config_keeps_its_templates_as_written() -> None:
    text = "sinks:\n  out:\n    type: console\n    key: '{{`{{ host }}`}}'\n"
    assert find_vector_config(text)["sinks"]["out"]["key"] == "{{`{{ host }}`}}"


@pytest.mark.parametrize(
    "action",
    ["{{ .Release.Name }}", "{{ source_type }}", '{{ include "vector.fullname" . }}', "{{`unterminated }}"],
)
def test_a_helm_action_import_cannot_render_is_refused_at_its_place(action: str) -> None:
    text = f"customConfig:\n  sinks:\n    out:\n      type: http\n      uri: 'http://{action}:80'\n"
    with pytest.raises(ImportFailure) as failure:
        find_vector_config(text)
    message, location = str(failure.value), failure.value.location
    assert message.startswith("customConfig.sinks.out.uri: ")
    assert location is not None and (location.line, location.column) == (5, 7)
    assert "tpl" in message and "{{`{{ field }}`}}" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('data_dir = "/var/lib/vector"\n', "toml"),
        ("[sources.in]\ntype = \n", "toml"),  # broken, but TOML: its error is TOML's
        ("sources:\n  in:\n    type: stdin\n", "yaml"),
        ("transforms:\n  t:\n    source: |\n      .a = 1\n      .b = [1, 2]\n", "yaml"),  # VRL looks like TOML
        ("sources:\n  in:\n    include:\n      [/var/log/a.log]\n", "yaml"),
        ('  {"sources": {}}', "json"),
    ],
)
def test_the_format_is_told_by_the_content_without_a_suffix(text: str, expected: str) -> None:
    assert detect_format(text) == expected


ROUTED = """\
data_dir: /var/lib/vector
sources:
  app: {type: demo_logs, format: json}
transforms:
  by_level:
    type: route
    inputs: [app]
    route: {errors: '.level == "error"'}
  tag:
    type: remap
    inputs: [by_level.errors]
    source: '.host = "${HOST_NAME:-unknown}"; .region = "$REGION"; .cost = "$$5"'
sinks:
  out:
    type: http
    inputs: [tag, by_level._unmatched]
    uri: ${COLLECTOR_URL}
    encoding: {codec: json}
    auth: {strategy: bearer, token: "${COLLECTOR_TOKEN}"}
"""


def test_a_prefix_renames_ids_inputs_and_variables() -> None:
    text, _ = import_pipeline(ROUTED, ImportRequest("edge", "payments", prefix="edge-eu"))
    spec = yaml.safe_load(text)["spec"]
    assert list(spec["sources"]) == ["edge-eu_app"]
    assert list(spec["transforms"]) == ["edge-eu_by_level", "edge-eu_tag"]
    assert spec["transforms"]["edge-eu_tag"]["inputs"] == ["edge-eu_by_level.errors"]
    assert spec["sinks"]["edge-eu_out"]["inputs"] == ["edge-eu_tag", "edge-eu_by_level._unmatched"]
    assert spec["transforms"]["edge-eu_tag"]["source"] == (
        '.host = "${EDGE_EU_HOST_NAME:-unknown}"; .region = "$EDGE_EU_REGION"; .cost = "$$5"'
    )
    assert spec["sinks"]["edge-eu_out"]["uri"] == "${EDGE_EU_COLLECTOR_URL}"
    assert spec["sinks"]["edge-eu_out"]["auth"]["token"] == "${EDGE_EU_COLLECTOR_TOKEN}"
    # The Secret keeps the names the config was written with; only the variables are renamed.
    assert spec["env"] == [
        {"name": f"EDGE_EU_{var}", "secretRef": {"name": "edge-env", "key": var}}
        for var in ("COLLECTOR_TOKEN", "COLLECTOR_URL", "HOST_NAME", "REGION")
    ]


def test_the_document_starts_with_the_schema_line_the_template_has() -> None:
    text, _ = import_pipeline(PLAIN, ImportRequest("app", "payments"))
    template_line = (REPO_ROOT / "repo-template/pipelines/app-logs.yaml").read_text().splitlines()[0]
    assert text.splitlines()[0] == template_line
    schema = json.loads((REPO_ROOT / "schemas/pipeline.schema.json").read_text())
    assert template_line.endswith("$schema=" + schema["$id"])


def test_two_prefixed_imports_of_the_same_ids_share_a_cluster(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    write_files(tmp_path, {"vector.yaml": ROUTED})
    documents = []
    for name, prefix in (("edge-a", "a"), ("edge-b", "b")):
        run = portal("pipeline", "import", tmp_path / "vector.yaml", "--name", name, "--team", "payments",
                     "--target", "prd-eu-1", "--prefix", prefix)  # fmt: skip
        assert run.code == 0, run.err
        assert "`data_dir` is not imported: each cluster's Vector config sets its own" in run.err
        documents.append((name, run.out))
    write_files(tmp_path / "repo", repo_files(*documents))
    validated = portal("validate", tmp_path / "repo")
    assert validated.code == 0 and validated.out == "", validated.out
    assert portal("compile", tmp_path / "repo", "--out", tmp_path / "out").code == 0
    merged = yaml.safe_load((tmp_path / "out/clusters/prd-eu-1/vector-agent.yaml").read_text())
    assert set(merged["sinks"]) == {"a_out", "b_out"}
    assert sorted(merged["sinks"]["b_out"]["inputs"]) == ["b_by_level._unmatched", "b_tag"]
    # Without prefixes the same two imports collide on every id and variable.
    for name in ("edge-a", "edge-b"):
        run = portal("pipeline", "import", tmp_path / "vector.yaml", "--name", name, "--team", "payments",
                     "--target", "prd-eu-1", "-o", tmp_path / "repo/pipelines" / f"{name}.yaml")  # fmt: skip
        assert run.code == 0, run.err
    collided = portal("validate", tmp_path / "repo")
    assert collided.code == 1 and "component id `out`" in collided.out


@pytest.mark.parametrize("prefix", ["1a", "_a", "a.b", "a b", "é", "a$"])
def test_a_prefix_that_would_make_bad_ids_or_variables_is_a_usage_error(
    prefix: str, tmp_path: Path, portal: Callable[..., PortalRun]
) -> None:
    write_files(tmp_path, {"vector.yaml": ROUTED})
    run = portal("pipeline", "import", tmp_path / "vector.yaml", "--name", "app", "--team", "payments",
                 "--prefix", prefix)  # fmt: skip
    assert run.code == 2 and f"--prefix {prefix!r}" in run.err and run.out == ""


WITH_TESTS_AND_FILE = """\
sources:
  app: {type: file, include: [/var/log/app.log]}
transforms:
  parse: {type: remap, inputs: [app], file: programs/parse.vrl}
  by_level:
    type: route
    inputs: [parse]
    route: {errors: '.level == "error"'}
sinks:
  out: {type: blackhole, inputs: [by_level.errors]}
tests:
  - name: errors are routed
    inputs:
      - {insert_at: parse, type: log, log_fields: {message: '{"level":"error"}'}}
    outputs:
      - extract_from: [by_level.errors]
        conditions: ['.level == "error"']
    no_outputs_from: [by_level._unmatched]
"""


def test_tests_are_kept_and_a_file_program_inlined(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    config = write_files(tmp_path / "in", {"vector.yaml": WITH_TESTS_AND_FILE, "programs/parse.vrl": PROGRAM})
    imported = portal("pipeline", "import", config / "vector.yaml", "--name", "app", "--team", "payments")
    assert imported.code == 0, imported.err
    spec = yaml.safe_load(imported.out)["spec"]
    assert spec["transforms"]["parse"] == {"type": "remap", "inputs": ["app"], "source": PROGRAM}
    assert spec["tests"] == yaml.safe_load(WITH_TESTS_AND_FILE)["tests"]
    write_files(tmp_path / "repo", repo_files(("app", imported.out)))
    tested = portal("pipeline", "test", tmp_path / "repo")
    assert tested.lines == ["PASS app/errors are routed", "1 passed, 0 failed"]


def test_a_prefix_renames_what_the_tests_name_too() -> None:
    text, _ = import_pipeline(WITH_TESTS_AND_FILE, ImportRequest("app", "payments", prefix="a"), "v.yaml", read_program)
    (test,) = yaml.safe_load(text)["spec"]["tests"]
    assert test["inputs"][0]["insert_at"] == "a_parse"
    assert test["outputs"][0]["extract_from"] == ["a_by_level.errors"]
    assert test["no_outputs_from"] == ["a_by_level._unmatched"]


def test_a_program_file_that_cannot_be_read_is_an_error(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    config = write_files(tmp_path / "in", {"vector.yaml": WITH_TESTS_AND_FILE})
    imported = portal("pipeline", "import", config / "vector.yaml", "--name", "app", "--team", "payments")
    assert imported.code == 1 and imported.out == ""
    assert imported.err == (
        f"{config / 'vector.yaml'}: error: transforms.parse.file: cannot read programs/parse.vrl: "
        "No such file or directory\n"
    )


PROGRAM = ". = merge(., object!(parse_json!(.message)))\n"


def read_program(name: str) -> str:
    assert name == "programs/parse.vrl"
    return PROGRAM
