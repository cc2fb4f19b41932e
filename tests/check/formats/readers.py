"""Each format read the way the tools that consume it read it — SARIF by the OASIS 2.1.0 schema, JUnit by Ant's
schema (../shared/upstream/), GitHub workflow commands by the runner's rules, GitLab Code Quality by GitLab's
documented facts — for the renderers' tests and for `portal check`'s own output alike."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema
import pytest
import xmlschema

from tests.conftest import UPSTREAM

SARIF_SCHEMA = UPSTREAM / "sarif" / "sarif-2.1.0.schema.json"
JUNIT_SCHEMA = UPSTREAM / "junit" / "JUnit.xsd"


@cache
def _sarif_validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def sarif_validator() -> jsonschema.Draft7Validator:
    """The SARIF 2.1.0 schema's validator (Draft 7); skips the test when the schema is absent."""
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"{SARIF_SCHEMA} is absent")
    return _sarif_validator()


def sarif_errors(validator: jsonschema.Draft7Validator, log: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


@cache
def _junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(JUNIT_SCHEMA))


def junit_schema() -> xmlschema.XMLSchema:
    """Ant's strict JUnit schema; skips the test when it is absent."""
    if not JUNIT_SCHEMA.is_file():
        pytest.skip(f"{JUNIT_SCHEMA} is absent")
    return _junit_schema()


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    data: str


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def runner_commands(output: str) -> list[Command | None]:
    """Each line of `output` as the runner takes it (lines end at \\r, \\n or \\r\\n): the command it starts,
    or None for a line that is no command. After `::`, the command name runs to a space or the next `::`; the
    properties (`k=v` split at `,`) run to that `::`; the rest is the data."""
    commands: list[Command | None] = []
    for line in output.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:-1]:
        end = line.find("::", 2)
        if not line.startswith("::") or end < 0:
            commands.append(None)
            continue
        head = line[2:end]
        name, _, written = head.partition(" ")
        properties = {}
        for item in filter(None, written.strip().split(",")):
            key, _, value = item.partition("=")
            properties[key] = _unescape_property(value)
        commands.append(Command(name, properties, _unescape_data(line[end + 2 :])))
    return commands


# GitLab's documented facts of a Code Quality issue (docs: ci/testing/code_quality, "Code Quality report format"),
# and those of the schema GitLab validates each issue with (gitlabhq app/validators/json_schemas/codeclimate.json:
# description, fingerprint, severity and location required; strings; location.lines.begin an integer). GitLab's
# parser stops at the first issue that fails it and keeps one issue per fingerprint, so every issue must pass and
# no two may share a fingerprint, or findings are lost without a word.
SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
FIELDS = {"description", "check_name", "fingerprint", "severity", "location"}


def assert_documented(issue: dict[str, Any]) -> None:
    assert set(issue) == FIELDS
    assert isinstance(issue["description"], str) and issue["description"]
    assert isinstance(issue["check_name"], str) and issue["check_name"]
    assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
    assert issue["severity"] in SEVERITIES
    location = issue["location"]
    assert set(location) == {"path", "lines"}
    path = location["path"]
    assert isinstance(path, str) and path and not path.startswith(("/", "./"))  # relative, not prefixed with ./
    assert set(location["lines"]) == {"begin"}
    assert isinstance(location["lines"]["begin"], int) and location["lines"]["begin"] >= 1
