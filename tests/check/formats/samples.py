"""Findings to render: those of a real validation of a broken repo, and hostile ones a change could write."""

from __future__ import annotations

from pathlib import Path

from reconciler.load.sources import working_tree
from reconciler.model import Diagnostic, Document, Location, Severity
from reconciler.validate import validate_source
from tests.conftest import write_files
from tests.foundation.repos import TEAM, WORKSPACE, valid_repo

BROKEN = {
    "teams/broken.yaml": "a: [1, 2\n",
    "teams/typo.yaml": TEAM.replace("name: payments", "name: typo").replace("displayName", "dispalyName"),
    "teams/again.yaml": TEAM,
    "workspaces/orphan.yaml": WORKSPACE.replace("name: alice-ledger", "name: orphan").replace(
        "team: payments", "team: paymnets"
    ),
}

# What a change controls: paths and the values quoted in messages.
HOSTILE = (
    Diagnostic(
        Severity.ERROR,
        "spec.displayName: 'x\n::error file=evil.yaml::forged' is not valid",
        Location("teams/a,b:c.yaml", 3, 5),
        "Team/a",
        rule="schema",
    ),
    Diagnostic(
        Severity.WARNING,
        "100% sure: %0A is not a newline,\r\n::warning::forged too",
        Location("teams/per%cent and space.yaml", 2, 1),
        "Team/b::c",
        rule="hidden",
    ),
    Diagnostic(Severity.NOTE, "a note about title=x,line=9", Location("teams/c.yaml", 1, 1), "Team/c"),
    Diagnostic(Severity.ERROR, "control \x01\x1b characters and </failure> <![CDATA[", Location("teams/d.yaml", 4, 2)),
    Diagnostic(Severity.ERROR, "a finding about no file at all", None, None, rule="connections"),
)


def validated(root: Path) -> tuple[list[Diagnostic], list[Document]]:
    """The findings (several rules, errors and warnings, with and without a document) and documents of a broken
    repo written at `root`."""
    write_files(root, {**valid_repo(), **BROKEN})
    validation = validate_source(working_tree(root))
    return list(validation.diagnostics), list(validation.documents)
