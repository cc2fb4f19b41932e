"""The command line as a user meets it: help, version, JSON output, init, schema export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
            "rule": "yaml",
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
    """No vector binary can be installed here, so a stand-in plays it: it rejects configs with a loki sink (and
    passes every `vector test`)."""
    fake = tmp_path / "bin" / "vector"
    fake.parent.mkdir()
    fake.write_text(
        '#!/bin/sh\n[ "$1" = test ] && exit 0\n[ "$1 $2" = "validate --no-environment" ] || exit 2\n'
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


def test_validate_vector_without_a_vector_binary_is_an_error(tmp_path: Path, portal, monkeypatch) -> None:
    """A check that was asked for and could not run must not pass."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = portal("validate", "--vector", template_dir())
    assert result.code == 2
    assert result.err == "portal: error: --vector needs a vector binary on PATH: vector validate could not run\n"


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (("reconcile",), ["--timeout S           how long --wait waits (seconds) (default: 300.0)", "(default: 8)"]),
        (("plan",), ["output format (default: text)", "(seconds) (default: 30.0)", "(default: default)"]),
        (("compile",), ["the pinned Vector image to run (default: timberio/vector:"]),
        (("validate",), ["output format (default: text)"]),
    ],
)
def test_help_shows_every_default(command: tuple[str, ...], shown: list[str], portal) -> None:
    text = " ".join(portal(*command, "--help").out.split())
    for expected in shown:
        assert " ".join(expected.split()) in text
    assert "(default: None)" not in text and "(default: False)" not in text


def test_an_unknown_option_prints_the_usage_of_its_command(portal) -> None:
    for argv, usage in (
        (("reconcile", "--bogus"), "usage: portal reconcile"),
        (("db", "sync", "--x"), "usage: portal db sync"),
    ):
        result = portal(*argv)
        assert result.code == 2
        assert result.err.startswith(usage), result.err
        assert "unrecognized arguments: " in result.err


def test_help_and_version_import_no_command(tmp_path: Path) -> None:
    """`portal --help` and `--version` must be instant: no command module, no Kubernetes client, no psycopg."""
    probe = (
        "import contextlib, io, sys\n"
        "from reconciler.cli import main\n"
        "for argv in (['--help'], ['--version']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n"
        "            main(argv)\n"
        "        except SystemExit:\n"
        "            pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('kubernetes', 'psycopg', 'pygit2', 'jsonschema_rs')\n"
        "         or m.startswith(('reconciler.cli.', 'reconciler.validate', 'reconciler.kube'))]\n"
        "print(sorted(m for m in heavy if m not in ('reconciler.cli.options',)))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert run.stdout.strip() == "[]", run.stdout
