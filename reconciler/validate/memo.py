"""Cross-document checks remembered by what they read.

A check declares the kinds of documents it reads; its findings are kept with a digest of exactly those
documents (and of the base commit's, and the actor). When a change leaves them alone — a Team edit does not
touch what the Pipeline checks read — the findings are reused instead of recomputed. A check made of
independent subjects is also remembered subject by subject, so a change re-checks only the subjects it touches.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from reconciler.load.cache import BlobCache, code_fingerprint, read_dict, write_atomically
from reconciler.model import Diagnostic, Document, Location, Severity
from reconciler.model.checks import CheckContext, CrossCheck, FactsEnvironment
from reconciler.model.diagnostics import under_rule
from reconciler.state_dir import StateDir
from reconciler.validate.schema import SchemaSet

_Row = tuple[str, str, str | None, int, int, str | None, str | None]

_Entry = tuple[str, list[_Row]]  # (digest of the inputs, findings)
_Facts = tuple[str, str]  # (digest of the documents, facts)


def kind_digests(documents: Sequence[Document]) -> dict[str, str]:
    """Per kind, a digest of where its documents are and what they hold."""
    lines: dict[str, list[str]] = {}
    for doc in documents:
        lines.setdefault(doc.kind, []).append(f"{doc.path}\0{doc.index}\0{doc.blob_id}")
    return {
        kind: hashlib.sha256("\n".join(rows).encode(), usedforsecurity=False).hexdigest()
        for kind, rows in lines.items()
    }


def inputs_digest(
    check: CrossCheck, head: dict[str, str], base: dict[str, str] | None, actor: str | None, environment: str = ""
) -> str:
    """The digest of everything `check` reads: its kinds' documents in the head and the base, the actor, and
    what it reads besides documents (the clock, the database)."""
    assert check.reads is not None
    parts = [check.name, str(actor), str(base is not None), environment]
    for side in (head, base or {}):
        parts.extend(f"{kind}={side.get(kind, '')}" for kind in sorted(check.reads))
    return hashlib.sha256("\0".join(parts).encode(), usedforsecurity=False).hexdigest()


def _row(d: Diagnostic) -> _Row:
    loc = d.location
    return (
        str(d.severity),
        d.message,
        loc.path if loc else None,
        loc.line if loc else 0,
        loc.column if loc else 0,
        d.subject,
        d.rule,
    )


def _diagnostic(row: _Row) -> Diagnostic:
    severity, message, path, line, column, subject, rule = row
    location = Location(path, line, column) if path is not None else None
    return Diagnostic(Severity(severity), message, location, subject, rule=rule)


class CheckMemo:
    """The last findings of each check, with the digest of their inputs; in memory and in the state dir."""

    def __init__(self, state_dir: Path | None) -> None:
        self.file = StateDir(state_dir).cache / f"checks-{code_fingerprint()}.marshal" if state_dir else None
        self.entries: dict[str, Any] = read_dict(self.file) if self.file else {}  # _Entry, or _Facts by "#facts"
        self.changed = False

    def _facts(self, check: CrossCheck, ctx: CheckContext, head: dict[str, str]) -> str:
        """A FactsEnvironment's facts, found again only when the documents they come from changed."""
        environment = check.environment
        assert isinstance(environment, FactsEnvironment)
        documents = "\0".join(f"{kind}={head.get(kind, '')}" for kind in sorted(environment.kinds))
        key = f"{check.name}#facts"
        known: _Facts | None = self.entries.get(key)
        if type(known) is tuple and known[0] == documents and type(known[1]) is str:
            return known[1]
        facts = environment.facts(ctx)
        self.entries[key] = (documents, facts)
        self.changed = True
        return facts

    def run(
        self, check: CrossCheck, ctx: CheckContext, head: dict[str, str], base: dict[str, str] | None, actor: str | None
    ) -> list[Diagnostic]:
        """`check`'s findings, remembered while everything it reads stays the same (`head` and `base`: the digests
        of each kind's documents); a check that reads anything is always run."""
        if check.reads is None:
            return under_rule(check.run(ctx), check.name)
        environment = check.environment_token(ctx, partial(self._facts, check, ctx, head))
        digest = inputs_digest(check, head, base, actor, environment)
        known = self.entries.get(check.name)
        if known is not None and known[0] == digest:
            return [_diagnostic(row) for row in known[1]]
        found = self._by_subject(check, ctx, environment) if check.subjects is not None else check.run(ctx)
        # Stamped before they are remembered, so that remembered findings come back as they were found.
        findings = under_rule(found, check.name)
        self.entries[check.name] = (digest, [_row(d) for d in findings])
        self.changed = True
        return findings

    def _by_subject(self, check: CrossCheck, ctx: CheckContext, environment: str) -> list[Diagnostic]:
        findings: list[Diagnostic] = []
        assert check.subjects is not None
        for subject in check.subjects(ctx):
            key = f"{check.name}/{subject.key}"
            inputs = (*subject.inputs, environment) if subject.reads_environment else subject.inputs
            digest = hashlib.sha256("\n".join(inputs).encode(), usedforsecurity=False).hexdigest()
            known = self.entries.get(key)
            if known is not None and known[0] == digest:
                findings.extend(_diagnostic(row) for row in known[1])
                continue
            found = list(subject.run())
            self.entries[key] = (digest, [_row(d) for d in found])
            findings.extend(found)
        return findings

    def save(self) -> None:
        if self.file and self.changed:
            for stale in self.file.parent.glob("checks-*.marshal"):
                if stale != self.file:
                    stale.unlink(missing_ok=True)
            write_atomically(self.file, marshal.dumps(self.entries))
            self.changed = False


class ValidationMemo:
    """What validation remembers between runs — checked files by blob, cross-document findings by their inputs,
    the compiled schemas — so that a run re-checks only what changed. Validation reads it and never depends on
    it: a new memo gives the same findings, only slower. A process that validates again (the daemon, the base
    and head of a change) keeps its memo; every memo also reads and writes the state dir when it has one."""

    def __init__(self, state_dir: Path | None = None, schemas: SchemaSet | None = None) -> None:
        self.state_dir = state_dir
        self._schemas = schemas
        self._blobs: BlobCache | None = None
        self._checks: CheckMemo | None = None

    @property
    def schemas(self) -> SchemaSet:
        if self._schemas is None:
            self._schemas = SchemaSet()
        return self._schemas

    @property
    def blobs(self) -> BlobCache:
        if self._blobs is None:
            self._blobs = BlobCache(self.state_dir, self.schemas.fingerprint)
        return self._blobs

    @property
    def checks(self) -> CheckMemo:
        if self._checks is None:
            self._checks = CheckMemo(self.state_dir)
        return self._checks
