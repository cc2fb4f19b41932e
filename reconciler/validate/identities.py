"""No two documents compile to the same Kubernetes object (cluster, apiVersion/kind, namespace, name), whatever
kinds produced them: each reconcile would flip the object between their specs.

Checked on the identities of the compiled objects, which every producer of objects lists without compiling
them (its `identities`), so the check costs next to nothing; tests hold each list to its compiled objects.

No two producers make objects of one kind (chambers makes Butler's Workspaces and WorkspaceTemplates, herald
Kubernetes' own workload objects), so objects of two producers never meet: each producer's are checked apart,
and an edit re-spells only the objects of the producers that read what it changed. A producer is loaded when its
objects are spelled.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

from reconciler.model import Diagnostic, error
from reconciler.model.checks import CheckContext
from reconciler.model.identity import CompiledIdentity
from reconciler.model.kinds import RepoModel


def _chambers(model: RepoModel) -> Iterator[CompiledIdentity]:
    from reconciler.chambers.resources import identities

    return identities(model)


def _herald(model: RepoModel) -> Iterator[CompiledIdentity]:
    from reconciler.herald.workload_names import identities  # with the placements: loaded after a Pipeline edit alone

    return identities(model)


# Every producer of the objects `portal compile` and `portal reconcile` apply (see build.Build.manifests).
PRODUCERS: Mapping[str, Callable[[RepoModel], Iterable[CompiledIdentity]]] = {"chambers": _chambers, "herald": _herald}


def compiled_identities(model: RepoModel) -> Iterator[CompiledIdentity]:
    for identities in PRODUCERS.values():
        yield from identities(model)


def collisions(compiled: Iterable[CompiledIdentity]) -> Iterator[Diagnostic]:
    first: dict[tuple[str, object], CompiledIdentity] = {}
    for item in compiled:
        seen = first.setdefault((item.cluster, item.key), item)
        if seen is item or seen.doc is item.doc:
            continue
        for here, there in ((item, seen), (seen, item)):
            yield error(
                f"compiles to {item.key.kind} {_where(item)} on Cluster {item.cluster!r}, as does "
                f"{there.doc.subject} at {there.doc.location('metadata', 'name')}; rename one of them",
                here.doc.location("metadata", "name"),
                here.doc.subject,
            )


def _where(item: CompiledIdentity) -> str:
    key = item.key
    return f"{key.namespace}/{key.name}" if key.namespace else key.name


def check(ctx: CheckContext, producer: str) -> Iterator[Diagnostic]:
    """The collisions among the objects of `producer` (a key of PRODUCERS)."""
    return collisions(PRODUCERS[producer](ctx.model))


def check_chambers_named(ctx: CheckContext, names: Collection[str]) -> Iterator[Diagnostic]:
    """The collisions among chambers' objects of the documents named `names`. Chambers names each object as its
    document, so these never meet the objects of documents named otherwise: each set of names is checked apart."""
    from reconciler.chambers.resources import identities

    return collisions(identities(ctx.model, names))
