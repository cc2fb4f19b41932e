"""Findings as values: every error or warning carries the place in the repo it is about."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # information only: never fails a run, not even with --strict


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a file of the repo; line and column are 1-based, as editors show them."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    message: str
    location: Location | None = None
    subject: str | None = None  # "Kind/name" of the document the finding is about
    # "Kind/name" of an invalid document this finding follows from: fixing that one is likely to clear this one.
    cause: str | None = None
    rule: str | None = None  # the stable id of the kind of finding (see reconciler.model.rules)

    def format(self) -> str:
        where = f"{self.location}: " if self.location else ""
        about = f"{self.subject}: " if self.subject else ""
        return f"{where}{self.severity}: {about}{self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "severity": str(self.severity),
            "path": self.location.path if self.location else None,
            "line": self.location.line if self.location else None,
            "column": self.location.column if self.location else None,
            "subject": self.subject,
            "message": self.message,
            "cause": self.cause,
            "rule": self.rule,
        }

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location or Location("")
        return (loc.path, loc.line, loc.column, self.message)


def error(
    message: str, location: Location | None = None, subject: str | None = None, *, rule: str | None = None
) -> Diagnostic:
    return Diagnostic(Severity.ERROR, message, location, subject, rule=rule)


def warning(
    message: str, location: Location | None = None, subject: str | None = None, *, rule: str | None = None
) -> Diagnostic:
    return Diagnostic(Severity.WARNING, message, location, subject, rule=rule)


def note(
    message: str, location: Location | None = None, subject: str | None = None, *, rule: str | None = None
) -> Diagnostic:
    return Diagnostic(Severity.NOTE, message, location, subject, rule=rule)


def under_rule(findings: Iterable[Diagnostic], rule: str) -> list[Diagnostic]:
    """`findings`, each that has no rule of its own given `rule`: a check's findings carry the check's id."""
    return [f if f.rule else dataclasses.replace(f, rule=rule) for f in findings]


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
