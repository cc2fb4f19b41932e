"""GitHub workflow commands: escaped as actions/toolkit escapes them, so that what a change writes can neither end
its command's line nor start a command of its own. Read back here the way the Actions runner reads a command."""

from __future__ import annotations

from pathlib import Path

from reconciler.check.formats.github import escape_data, escape_property, render_github
from reconciler.model import Diagnostic, rules
from tests.check.formats.readers import Command, runner_commands
from tests.check.formats.samples import HOSTILE, validated


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
