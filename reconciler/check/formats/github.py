"""GitHub Actions workflow commands: one `::error …::message` line per finding, shown as an annotation on the
file and line. Everything a change wrote (paths, messages) is escaped as GitHub's actions/toolkit escapes it, so
no finding can end its line and start a command of its own."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.model import Diagnostic, Severity, rules

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    """A command's message (toolkit's `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value (toolkit's `escapeProperty`): `:` and `,` would end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(finding: Diagnostic) -> str:
    properties: list[tuple[str, str]] = []
    if finding.location is not None:
        location = finding.location
        properties += [("file", location.path), ("line", str(location.line)), ("col", str(location.column))]
    properties.append(("title", f"portal {rules.rule_of(finding)}"))
    written = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    message = f"{finding.subject}: {finding.message}" if finding.subject else finding.message
    return f"::{_COMMANDS[finding.severity]} {written}::{escape_data(message)}"


def render_github(findings: Iterable[Diagnostic]) -> str:
    """One workflow command per finding, in their order; nothing when there is none."""
    return "".join(f"{_command(f)}\n" for f in findings)
