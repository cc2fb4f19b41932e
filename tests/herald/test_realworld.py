"""Real-world-shaped Vector configs, in the style of Vector's own examples: each imports, validates and compiles
with no finding, and the compiled config is the imported one, which Vector's schema accepts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from reconciler.herald.importer import find_vector_config
from reconciler.herald.interpolation import references, strings
from tests.conftest import PortalRun, write_files
from tests.herald.builders import REFERENCE_VALUES, UPSTREAM, repo_files
from tests.herald.test_import import inputs_as_sets
from tests.herald.upstream import in_schema_terms, vector_errors

CORPUS = sorted((Path(__file__).parent / "realworld").glob("*.*"))
# Configs Vector runs but its generated schema refuses (gaps of the schema, not of the configs): influxdb's v2
# settings alone, an http_server `auth` without `strategy` (Vector defaults it to `basic`).
SCHEMA_GAPS = {"aggregate-incremental.yaml", "aws-sinks-with-auth.yaml"}


def test_the_corpus_covers_every_format_and_wrapper() -> None:
    assert len(CORPUS) >= 25
    assert {p.suffix for p in CORPUS} == {".yaml", ".toml", ".json"}
    texts = [p.read_text(encoding="utf-8") for p in CORPUS]
    assert any("kind: HelmRelease" in t for t in texts) and any("{{`{{" in t for t in texts)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_imports_validates_and_compiles_with_no_finding(
    path: Path, tmp_path: Path, portal: Callable[..., PortalRun]
) -> None:
    name = path.stem
    imported = portal("pipeline", "import", path, "--name", name, "--team", "payments", "--target", "env=prd")
    assert imported.code == 0, imported.err
    assert all(": note: `data_dir` is not imported" in line for line in imported.err.splitlines()), imported.err
    write_files(tmp_path / "repo", repo_files((name, imported.out)))
    validated = portal("validate", tmp_path / "repo")
    assert validated.code == 0 and validated.out == "", validated.out
    assert portal("compile", tmp_path / "repo", "--out", tmp_path / "out").code == 0
    compiled = yaml.safe_load((tmp_path / "out" / "pipelines" / f"{name}.vector.yaml").read_text())
    original = find_vector_config(path.read_text(encoding="utf-8"), path.name)
    original = {k: v for k, v in original.items() if k != "data_dir"}  # each cluster's Vector sets its own
    assert inputs_as_sets(compiled) == inputs_as_sets(_with_list_inputs(original))
    variables = {ref.name: "secret" for _, text in strings(compiled) for ref in references(text)}
    errors = vector_errors(in_schema_terms(compiled), variables)
    assert (errors != []) == (path.name in SCHEMA_GAPS), errors


def _with_list_inputs(config: dict) -> dict:
    return {
        key: {cid: {**body, "inputs": [body["inputs"]] if isinstance(body.get("inputs"), str) else body["inputs"]}
              for cid, body in value.items()} if key in ("transforms", "sinks") else value
        for key, value in config.items()
    }  # fmt: skip


@pytest.mark.parametrize("values", REFERENCE_VALUES or [UPSTREAM / "vector-reference"], ids=lambda p: p.name)
def test_reference_configs_have_no_finding(values: Path, tmp_path: Path, portal: Callable[..., PortalRun]) -> None:
    if not values.is_file():
        pytest.skip(f"{values} is absent")
    imported = portal("pipeline", "import", values, "--name", "reference", "--team", "payments", "--target", "env=prd")
    assert imported.code == 0, imported.err
    write_files(tmp_path / "repo", repo_files(("reference", imported.out)))
    validated = portal("validate", tmp_path / "repo")
    assert validated.code == 0 and validated.out == "" and ": error: " not in validated.err, validated.out
