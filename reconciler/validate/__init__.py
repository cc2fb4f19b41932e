"""Validation of one commit: per-file (parse + schema, cached by blob id), then across documents.

`validate_source` is the single entry point every command uses, so `portal validate`, the PR check and the
daemon agree on what is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.collector import long_lived
from reconciler.load import cache as blob_cache
from reconciler.load.cache import BlobCache
from reconciler.load.sources import RepoSource
from reconciler.model import Diagnostic, Document, Severity
from reconciler.model.build import model_of
from reconciler.model.checks import CheckContext
from reconciler.model.kinds import RepoModel
from reconciler.model.paths import control_character_finding, has_control_characters
from reconciler.validate.checks import CHECKS
from reconciler.validate.files import fill_cache
from reconciler.validate.folding import rejected_documents, with_causes
from reconciler.validate.memo import ValidationMemo, kind_digests
from reconciler.validate.schema import SchemaSet

if TYPE_CHECKING:
    from reconciler.model.recorded import RecordedRegistry


@dataclass(frozen=True, slots=True)
class Validation:
    source: RepoSource
    documents: tuple[Document, ...]  # every recognised document, valid or not
    model: RepoModel  # built from the schema-valid documents
    diagnostics: tuple[Diagnostic, ...]  # sorted by place

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


def check_files(
    source: RepoSource, cache: BlobCache, schemas: SchemaSet
) -> tuple[list[Document], list[Document], list[Diagnostic]]:
    """All documents, the schema-valid ones, and the per-file findings; each blob is read at most once."""
    documents: list[Document] = []
    valid: list[Document] = []
    findings: list[Diagnostic] = []
    readable = [f for f in source.files if not has_control_characters(f.path)]
    fill_cache(readable, cache, schemas)
    if len(readable) < len(source.files):  # refused unread: their names alone are the attack
        findings.extend(control_character_finding(f.path) for f in source.files if has_control_characters(f.path))
    for file in readable:
        entry = cache.get(file.blob_id) or blob_cache.encode([], [])
        docs, file_findings = blob_cache.decode(entry, file.path, file.blob_id, file.read)
        documents.extend(docs)
        if not file_findings:  # the common case, spared the work below
            valid.extend(docs)
            continue
        findings.extend(file_findings)
        # A document with a schema error stays out of the model: later steps may trust its shape.
        rejected = {d.subject for d in file_findings if d.severity is Severity.ERROR and d.subject}
        valid.extend([d for d in docs if d.subject not in rejected] if rejected else docs)
    return documents, valid, findings


def validate_source(
    source: RepoSource,
    *,
    state_dir: Path | None = None,
    base: Validation | None = None,
    actor: str | None = None,
    recorded: RecordedRegistry | None = None,
    memo: ValidationMemo | None = None,
) -> Validation:
    """`recorded` is what a configured database holds: registry keys it binds to a team are checked too.
    `memo` is what earlier runs remembered (by default, what the state dir holds): it spares work, never changes
    a finding."""
    memo = memo or ValidationMemo(state_dir)
    cache = memo.blobs
    with long_lived():  # the documents live as long as the validation
        documents, valid, findings = check_files(source, cache, memo.schemas)
    cache.save({f.blob_id for f in source.files})
    rejected = rejected_documents(documents, findings)
    by_subject = {d.subject: d for d in documents} if rejected else {}
    model = model_of(valid)
    ctx = CheckContext(
        model=model,
        base=base.model if base else None,
        actor=actor,
        declared={(d.kind, d.name): d for d in documents},
        read_text=source.read_text,
        now=source.committed_at or datetime.now(UTC),
        recorded=recorded,
    )
    head_digests = kind_digests(documents)
    base_digests = kind_digests(base.documents) if base else None
    for check in CHECKS:
        found = memo.checks.run(check, ctx, head_digests, base_digests, actor)
        findings.extend(with_causes(check, found, rejected, by_subject))
    memo.checks.save()
    findings.sort(key=Diagnostic.sort_key)
    return Validation(source, tuple(documents), model, tuple(findings))
