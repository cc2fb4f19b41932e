"""Import: existing Vector configs become Pipeline documents that compile back to the same config."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.herald.importer import ImportFailure, ImportRequest, find_vector_config, import_pipeline
from tests.conftest import PortalRun, write_files
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
    for compiled in (f"pipelines/{name}.vector.yaml", "clusters/prd-eu-1/vector-aggregator.yaml"):
        config = yaml.safe_load((tmp_path / "out" / compiled).read_text())
        assert inputs_as_sets(config) == inputs_as_sets(original), compiled


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
    assert "targets" not in spec
    assert spec["global"] == {"data_dir": "/var/lib/vector"}
    assert spec["transforms"]["parse"]["inputs"] == ["app"]
    assert spec["env"] == [
        {"name": "COLLECTOR_TOKEN", "secretRef": {"name": "app-env", "key": "COLLECTOR_TOKEN"}},
        {"name": "COLLECTOR_URL", "secretRef": {"name": "app-env", "key": "COLLECTOR_URL"}},
    ]
    assert left_out == ["tests"]


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
    ("text", "says"),
    [
        ('[sources.app]\ntype = "file"\ninclude = ["/var/log/a.log"]\n', "TOML"),
        ("sources: [unclosed\n", "invalid YAML"),
        ('{"sources": ', "invalid YAML"),
        ("kind: ConfigMap\ndata: {}\n", "no Vector config found"),
    ],
)
def test_what_is_not_a_vector_config(text: str, says: str) -> None:
    with pytest.raises(ImportFailure, match=says):
        find_vector_config(text)


def test_cli_writes_the_document_or_explains(tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    write_files(tmp_path, {"vector.yaml": PLAIN, "vector.toml": "[sources.a]\ntype = 'file'\n"})
    result = portal("pipeline", "import", tmp_path / "vector.yaml", "--name", "app", "--team", "payments",
                    "-o", tmp_path / "out" / "app.yaml")  # fmt: skip
    assert result.code == 0 and result.out == ""
    assert yaml.safe_load((tmp_path / "out" / "app.yaml").read_text())["metadata"] == {"name": "app"}
    bad = portal("pipeline", "import", tmp_path / "vector.toml", "--name", "app", "--team", "payments")
    assert bad.code == 1 and "TOML" in bad.err and "Traceback" not in bad.err
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
