"""GitHub workflow commands: escaped as actions/toolkit escapes them, so that what a change writes can neither end
its command's line nor start a command of its own. Read back here the way the Actions runner reads a command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reconciler.check.formats.github import escape_data, escape_property, render_github
from reconciler.model import Diagnostic, rules
from tests.check.formats.samples import HOSTILE, validated


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


def _expected(finding: Diagnostic) -> Command:
    properties = {"title": f"portal {rules.rule_of(finding)}"}
    if finding.location is not None:
        loc = finding.location
        properties = {"file": loc.path, "line": str(loc.line), "col": str(loc.column), **properties}
    name = {"error": "error", "warning": "warning", "note": "notice"}[str(finding.severity)]
    message = f"{finding.subject}: {finding.message}" if finding.subject else finding.message
    return Command(name, properties, message)


def test_escaping_is_the_toolkits() -> None:
    """actions/toolkit command.ts: escapeData replaces %, \\r, \\n; escapeProperty also : and , — % first."""
    assert escape_data("100% \r\n: , %0A") == "100%25 %0D%0A: , %250A"
    assert escape_property("100% \r\n: , %0A") == "100%25 %0D%0A%3A %2C %250A"


def test_hostile_findings_are_one_command_each_and_read_back_unchanged() -> None:
    output = render_github(HOSTILE)
    assert runner_commands(output) == [_expected(f) for f in HOSTILE]
    # No line of the output starts a command the findings did not ask for.
    assert [line.split(" ", 1)[0] for line in output.splitlines()] == [
        "::error",
        "::warning",
        "::notice",
        "::error",
        "::error",
    ]


def test_a_validation_renders_a_command_per_finding(tmp_path: Path) -> None:
    findings, _ = validated(tmp_path / "repo")
    commands = runner_commands(render_github(findings))
    assert commands == [_expected(f) for f in findings]
    assert {c.properties["title"] for c in commands if c} >= {"portal yaml", "portal schema", "portal duplicates"}
    assert render_github([]) == ""
