"""Documents a change hides with `.portalignore` count as deleted: said at each of them, not left to a diff that
shows only a one-line edit of the ignore file.

A base document is hidden when the head no longer declares it although its file is still there, matched by the
head's `.portalignore`. Every `--base` rule already sees it as removed (an Artifact is archived, its registry key
reserved); this makes the deletion visible where a reviewer looks.
"""

from __future__ import annotations

from collections.abc import Iterator

from reconciler.load.sources import IGNORE_FILE, ignore_spec
from reconciler.model import Diagnostic, Document, warning
from reconciler.model.checks import CheckContext
from reconciler.model.kinds import RepoModel


def _documents(model: RepoModel) -> Iterator[Document]:
    for declared in (
        model.teams,
        model.clusters,
        model.workspace_templates,
        model.workspaces,
        model.artifacts,
        model.policies,
        model.pipelines,
    ):
        yield from (obj.doc for obj in declared.values())


def hidden_documents(ctx: CheckContext) -> list[Document]:
    """Base documents the head's `.portalignore` hides (their files still exist in the head)."""
    if ctx.base is None:
        return []
    ignore = ignore_spec(ctx.read_text(IGNORE_FILE))
    if ignore is None:
        return []
    return [
        doc
        for doc in _documents(ctx.base)
        if (doc.kind, doc.name) not in ctx.declared
        and ignore.match_file(doc.path)
        and ctx.read_text(doc.path) is not None
    ]


def check(ctx: CheckContext) -> list[Diagnostic]:
    return [
        warning(
            f"hidden by {IGNORE_FILE} in this change, so the change deletes it as if its file were removed",
            doc.location("metadata", "name"),
            doc.subject,
        )
        for doc in hidden_documents(ctx)
    ]
