"""The command line as a user meets it: help, version, JSON output, init, schema export."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from reconciler import __version__
from reconciler.cli import COMMANDS
from reconciler.resources import template_dir
from tests.conftest import write_files
from tests.foundation.repos import valid_repo


def test_version(portal) -> None:
    result = portal("--version")
    assert (result.code, result.out) == (0, f"portal {__version__}\n")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, portal) -> None:
    result = portal(command, "--help")
    assert result.code == 0
    assert result.out.startswith(f"usage: portal {command}")
    assert len(result.out.splitlines()) > 4


def test_json_output_is_machine_readable_only(tmp_path: Path, portal) -> None:
    write_files(tmp_path, valid_repo() | {"teams/broken.yaml": "a: [1\n"})
    result = portal("validate", tmp_path, "--format", "json")
    report = json.loads(result.out)
    assert result.code == 1
    assert report["valid"] is False
    assert report["documents"] == 4
    assert report["diagnostics"] == [
        {
            "severity": "error",
            "path": "teams/broken.yaml",
            "line": 2,
            "column": 1,
            "subject": None,
            "message": "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)",
            "cause": None,
        }
    ]
    assert result.err == ""


def test_init_copies_the_template_and_refuses_a_non_empty_dir(tmp_path: Path, portal) -> None:
    target = tmp_path / "platform"
    assert portal("init", target).code == 0
    assert (target / "README.md").is_file()
    assert (target / ".github").is_dir()
    assert portal("validate", target).code == 0
    again = portal("init", target)
    assert again.code == 2
    assert again.err == f"portal: error: {target}: exists and is not an empty directory\n"


def test_schemas_export_writes_usable_schemas(tmp_path: Path, portal) -> None:
    result = portal("schemas", "export", tmp_path / "out")
    assert result.code == 0
    team = json.loads((tmp_path / "out" / "team.schema.json").read_text())
    assert team["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert team["$id"].startswith("https://")
    jsonschema.Draft202012Validator.check_schema(team)


def test_validate_vector_runs_the_binary_on_every_compiled_config(tmp_path: Path, portal, monkeypatch) -> None:
    """No vector binary can be installed here, so a stand-in plays it: it rejects configs with a loki sink."""
    fake = tmp_path / "bin" / "vector"
    fake.parent.mkdir()
    fake.write_text(
        '#!/bin/sh\n[ "$1 $2" = "validate --no-environment" ] || exit 2\n'
        'if grep -q "type: loki" "$3"; then echo "x Sink \\"loki\\": endpoint unreachable"; exit 78; fi\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    result = portal("validate", "--vector", template_dir())
    assert result.code == 1
    assert result.lines
    assert all(": error: Pipeline/" in line and "vector validate rejects" in line for line in result.lines)
    assert any(line.startswith("pipelines/app-logs.yaml:") for line in result.lines)
    clean = portal("validate", template_dir())
    assert clean.code == 0
