"""What a check is, so that every domain can declare its own checks without importing the validator.

Document checks see one schema-valid document and nothing else, so their findings are cached with the file's
blob. Cross-document checks see the whole commit; each names the document kinds it reads so that its findings
can be reused while those documents stay the same.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from reconciler.model.diagnostics import Diagnostic, error
from reconciler.model.document import Document, dotted
from reconciler.model.kinds import RepoModel
from reconciler.model.suggestions import did_you_mean

if TYPE_CHECKING:
    from reconciler.model.recorded import RecordedRegistry


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What every cross-document check receives."""

    model: RepoModel  # the commit under validation (the head of a change)
    base: RepoModel | None = None  # the target branch's commit: transitions and authority come from here
    actor: str | None = None  # the author of the change (e.g. the pull request's author), from CI
    # (kind, name) → every document in the commit, schema-valid or not: a document that fails its schema still
    # declares its identity (and labels), so a reference or a selector that names it is not reported a second
    # time as dangling; its own errors are the cause.
    declared: Mapping[tuple[str, str], Document] = field(default_factory=dict)
    read_text: Callable[[str], str | None] = field(default=lambda _path: None)  # other files of the commit
    now: datetime | None = None  # when the commit was made (a working tree: now); nothing may be dated later
    recorded: RecordedRegistry | None = None  # what the configured database holds (registry keys, admins)

    @property
    def authority(self) -> RepoModel:
        """Who may approve and which policy applies: the base when there is one, never the change itself."""
        return self.base if self.base is not None else self.model

    def names(self, kind: str, known: Collection[str]) -> list[str]:
        """Every name of `kind` a reference may mean, sorted: the valid documents' (`known`) and the rest."""
        return sorted({n for k, n in self.declared if k == kind} | set(known))

    def missing(
        self, kind: str, name: str, known: Collection[str], doc: Document, *path: str | int
    ) -> Iterator[Diagnostic]:
        """An error at `path` when `name` names no document of `kind`, with the closest name that does. A
        document that exists but failed its own checks is not missing: its errors are the cause."""
        if name in known or (kind, name) in self.declared:
            return
        hint = did_you_mean(name, self.names(kind, known))
        yield error(f"{dotted(path)}: {kind} {name!r} does not exist{hint}", doc.location(*path), doc.subject)


@dataclass(frozen=True, slots=True)
class CheckSubject:
    """One independent part of a cross-document check: its findings depend on `inputs` alone, so they are
    remembered apart from the other parts (an edit of one team re-checks that team's artifacts, not all)."""

    key: str  # unique within its check
    inputs: tuple[str, ...]  # tokens of everything the findings depend on (see `document_token`)
    run: Callable[[], Iterable[Diagnostic]]
    reads_environment: bool = False  # whether the findings also read the check's environment (then an input too)


def document_token(doc: Document | None) -> str:
    return f"{doc.path}\0{doc.index}\0{doc.blob_id}" if doc is not None else "-"


@dataclass(frozen=True, slots=True)
class FactsEnvironment:
    """An environment token made from `facts`: what the token needs of the documents of `kinds` (the files they
    name, the latest time they record, what selects clusters), which those documents alone determine. The facts
    are remembered with the documents, so a run in which they are unchanged reads none of them to make the
    token."""

    kinds: frozenset[str]
    facts: Callable[[CheckContext], str]
    token: Callable[[CheckContext, str], str] = lambda _ctx, facts: facts


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """A check across the schema-valid documents of a commit: either `findings` or, for a check made of
    independent parts, `subjects`."""

    name: str
    reads: frozenset[str] | None  # the document kinds the check reads; None: anything, so never remembered
    findings: Callable[[CheckContext], Iterable[Diagnostic]] | None = None
    subjects: Callable[[CheckContext], Iterable[CheckSubject]] | None = None
    # A token of what the findings read besides documents (the clock, the database, files the documents name),
    # so that remembered findings are reused only while it stays the same.
    environment: Callable[[CheckContext], str] | FactsEnvironment | None = None
    # Whether the check itself leaves out what follows from a document that failed its schema (through
    # `declared`), so its findings are not marked as following from one.
    handles_invalid: bool = False

    def __post_init__(self) -> None:
        if (self.findings is None) == (self.subjects is None):
            raise TypeError(f"check {self.name!r} needs exactly one of findings and subjects")

    def environment_token(self, ctx: CheckContext, facts: Callable[[], str] | None = None) -> str:
        """The token; `facts` gives a FactsEnvironment's facts (by default, they are found in the documents)."""
        if self.environment is None:
            return ""
        if isinstance(self.environment, FactsEnvironment):
            return self.environment.token(ctx, facts() if facts else self.environment.facts(ctx))
        return self.environment(ctx)

    def run(self, ctx: CheckContext) -> list[Diagnostic]:
        if self.subjects is not None:
            return [finding for subject in self.subjects(ctx) for finding in subject.run()]
        assert self.findings is not None
        return list(self.findings(ctx))


# The checks of one schema-valid document of a given kind, on its own.
DocumentCheck = Callable[[Document], Iterable[Diagnostic]]
