"""Findings that follow from an invalid document, folded under it, so that the cause reads first.

A document that fails its schema stays out of the model. Checks across documents then see it missing and report
what follows (an artifact of a broken team "has no team", so nobody may approve it): true, but not the cause.
Such a finding gets the invalid document as its `cause` when it comes from a check that reads that document's
kind and is about a document naming it. Nothing is dropped: folded findings are counted, listed on request, and
fail a run as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from reconciler.model import Diagnostic, Document, Severity
from reconciler.model.checks import CrossCheck


def rejected_documents(documents: Iterable[Document], file_findings: Iterable[Diagnostic]) -> dict[str, Document]:
    """Subject → document, for every document with an error of its own (its schema, its name)."""
    failed = {d.subject for d in file_findings if d.severity is Severity.ERROR and d.subject}
    return {doc.subject: doc for doc in documents if doc.subject in failed} if failed else {}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def with_causes(
    check: CrossCheck,
    findings: Sequence[Diagnostic],
    rejected: Mapping[str, Document],
    documents: Mapping[str, Document],
) -> list[Diagnostic]:
    """`findings` of `check`, each about a document that names an invalid document `check` reads marked as
    following from it. Checks that read everything, or say they do, handle invalid documents themselves (see
    CheckContext.declared)."""
    if not rejected or check.reads is None or check.handles_invalid:
        return list(findings)
    candidates = [doc for _, doc in sorted(rejected.items()) if doc.kind in check.reads]
    if not candidates:
        return list(findings)
    result = []
    names: dict[str, frozenset[str]] = {}
    for finding in findings:
        about = documents.get(finding.subject or "")
        if about is None or finding.subject in rejected:
            result.append(finding)
            continue
        if about.subject not in names:
            names[about.subject] = frozenset(_strings(about.body.get("spec")))
        cause = next((doc.subject for doc in candidates if doc.name in names[about.subject]), None)
        result.append(dataclasses.replace(finding, cause=cause) if cause else finding)
    return result


@dataclasses.dataclass(frozen=True, slots=True)
class FoldedReport:
    """Findings as a reader takes them in: root causes first, then the rest by place; what follows from an
    invalid document is kept under it."""

    shown: tuple[Diagnostic, ...]
    folded: Mapping[str, tuple[Diagnostic, ...]]  # cause subject → findings that depend on it

    def _groups(self) -> Iterator[tuple[Diagnostic, tuple[Diagnostic, ...]]]:
        """Each shown finding with what is folded under it: after the last shown finding of a cause."""
        last = {d.subject: i for i, d in enumerate(self.shown)}
        for i, finding in enumerate(self.shown):
            folded = self.folded.get(finding.subject or "", ()) if last[finding.subject] == i else ()
            yield finding, folded

    def lines(self, verbose: bool = False) -> list[str]:
        lines: list[str] = []
        for finding, dependents in self._groups():
            lines.append(finding.format())
            if dependents and verbose:
                lines.append(f"  {_count(dependents)} that depend on {finding.subject}:")
                lines.extend(f"    {d.format()}" for d in dependents)
            elif dependents:
                lines.append(f"  … and {_count(dependents)} that depend on {finding.subject} (--verbose lists them)")
        return lines

    def ordered(self) -> list[Diagnostic]:
        """Every finding, folded ones right after their cause's (as `--format json` lists them)."""
        return [d for finding, dependents in self._groups() for d in (finding, *dependents)]


def _count(findings: Sequence[Diagnostic]) -> str:
    errors = sum(1 for d in findings if d.severity is Severity.ERROR)
    warnings = sum(1 for d in findings if d.severity is Severity.WARNING)
    parts = [f"{errors} error(s)" if errors else "", f"{warnings} warning(s)" if warnings else ""]
    others = len(findings) - errors - warnings
    parts.append(f"{others} note(s)" if others else "")
    return f"{len(findings)} finding(s) ({', '.join(p for p in parts if p)})"


def fold(diagnostics: Iterable[Diagnostic]) -> FoldedReport:
    """Findings whose cause has findings of its own are folded under it; a cause without any (it cannot
    happen, but folding must never hide a finding) leaves them shown."""
    findings = list(diagnostics)
    subjects_with_findings = {d.subject for d in findings if d.cause is None and d.subject}
    folded: dict[str, list[Diagnostic]] = {}
    shown: list[Diagnostic] = []
    for finding in findings:
        if finding.cause is not None and finding.cause in subjects_with_findings:
            folded.setdefault(finding.cause, []).append(finding)
        else:
            shown.append(finding)
    roots = [d for d in shown if d.subject in folded]
    rest = [d for d in shown if d.subject not in folded]
    return FoldedReport(
        tuple(sorted(roots, key=Diagnostic.sort_key) + sorted(rest, key=Diagnostic.sort_key)),
        {cause: tuple(sorted(found, key=Diagnostic.sort_key)) for cause, found in folded.items()},
    )
