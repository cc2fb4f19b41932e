"""References between documents resolve, the platform has exactly one management cluster, and the READMEs
Artifacts name exist (read besides the documents: see `READMES`).

A reference to a document that exists but failed its own checks is not reported: that document's errors are the
cause. A name that matches nothing is an error with the closest existing name; a label selector that matches
nothing is only a warning (see herald.placement).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from reconciler.model import Diagnostic, error, warning
from reconciler.model.checks import CheckContext, CheckSubject, FactsEnvironment, document_token
from reconciler.model.suggestions import did_you_mean

# Every kind that refers to others or is referred to here; a Workspace's references are checked with the
# quotas and templates they bring (reconciler.chambers.checks).
REFERENCES_READ = frozenset({"Team", "Cluster", "WorkspaceTemplate", "Artifact", "Policy", "Pipeline"})


def _readmes(ctx: CheckContext) -> str:
    """The READMEs the Artifacts name, one per line."""
    named = (doc.spec.get("readme") for doc in ctx.model.documents_of("Artifact"))
    return "\n".join(readme for readme in named if readme)


def _readme_files(ctx: CheckContext, readmes: str) -> str:
    """Which of the READMEs are files of the commit: read besides the documents."""
    return "\0".join(f"{readme}={ctx.read_text(readme) is not None}" for readme in readmes.split("\n") if readme)


READMES = FactsEnvironment(frozenset({"Artifact"}), _readmes, _readme_files)


def subjects(ctx: CheckContext) -> list[CheckSubject]:
    """One subject per kind that names others: its findings depend on its own documents and on the names of
    the kinds it names (`declared`: a name that exists but failed its schema is not missing), so an edit that
    keeps every name re-checks only the references of its own kind."""
    declared: dict[str, list[str]] = {}
    for kind, name in ctx.declared:
        declared.setdefault(kind, []).append(name)

    def reads(*kinds: str) -> tuple[str, ...]:
        return tuple(f"{kind}\0" + "\0".join(sorted(declared.get(kind, ()))) for kind in kinds)

    def documents(kind: str) -> tuple[str, ...]:
        return tuple(document_token(doc) for doc in ctx.model.documents_of(kind))

    return [
        CheckSubject("Cluster", (*documents("Cluster"), *reads("Team")), partial(_clusters, ctx)),
        CheckSubject("WorkspaceTemplate", (*documents("WorkspaceTemplate"), *reads("Team")), partial(_templates, ctx)),
        # The READMEs named: the check's environment (remembered with the Artifacts, not read again here).
        CheckSubject(
            "Artifact", (*documents("Artifact"), *reads("Team")), partial(_artifacts, ctx), reads_environment=True
        ),
        # Namespace bindings read the Artifacts' namespaces, so every Artifact document.
        CheckSubject(
            "Policy",
            (*documents("Policy"), *documents("Artifact"), *reads("Team", "Artifact")),
            partial(_policies, ctx),
        ),
        CheckSubject("Pipeline", (*documents("Pipeline"), *reads("Team", "Cluster")), partial(_pipelines, ctx)),
    ]


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Every finding of the subjects together, none remembered."""
    for part in (_clusters, _templates, _artifacts, _policies, _pipelines):
        yield from part(ctx)


def _clusters(ctx: CheckContext) -> Iterator[Diagnostic]:
    model = ctx.model
    management = [c for c in model.clusters.values() if c.role == "management"]
    if model.clusters and not management:
        first = min(model.clusters.values(), key=lambda c: (c.doc.path, c.doc.index))
        yield error(
            "no Cluster has role: management; exactly one must",
            first.doc.location("spec", "role"),
            first.doc.subject,
        )
    for extra in sorted(management, key=lambda c: (c.doc.path, c.doc.index))[1:]:
        yield error(
            f"a second management cluster (the first is {management[0].doc.subject} at "
            f"{management[0].doc.location('spec', 'role')}); exactly one is allowed",
            extra.doc.location("spec", "role"),
            extra.doc.subject,
        )
    for cluster in model.clusters.values():
        if cluster.team:
            yield from ctx.missing("Team", cluster.team, model.teams, cluster.doc, "spec", "team")
        if cluster.workspaces.enabled and cluster.role != "tenant":
            yield error(
                "spec.workspaces: only tenant clusters run workspaces",
                cluster.doc.location("spec", "workspaces"),
                cluster.doc.subject,
            )
        if cluster.role == "tenant" and cluster.workspaces.enabled and cluster.tenant_cluster_ref is None:
            yield error(
                "spec.tenantClusterRef is required when workspaces are enabled "
                "(workspaces live next to Butler's TenantCluster)",
                cluster.doc.location("spec", "workspaces", "enabled"),
                cluster.doc.subject,
            )


def _templates(ctx: CheckContext) -> Iterator[Diagnostic]:
    model = ctx.model
    for template in model.workspace_templates.values():
        if template.team:
            yield from ctx.missing("Team", template.team, model.teams, template.doc, "spec", "team")
        elif template.scope == "team":
            yield error(
                "spec.team is required for a template with scope: team",
                template.doc.location("spec", "scope"),
                template.doc.subject,
            )


def _artifacts(ctx: CheckContext) -> Iterator[Diagnostic]:
    model = ctx.model
    for artifact in model.artifacts.values():
        if artifact.team:
            yield from ctx.missing("Team", artifact.team, model.teams, artifact.doc, "spec", "team")
        readme = artifact.doc.spec.get("readme")
        if readme and ctx.read_text(readme) is None:
            yield warning(
                f"spec.readme: {readme} is not a file of this repo",
                artifact.doc.location("spec", "readme"),
                artifact.doc.subject,
            )


def _policies(ctx: CheckContext) -> Iterator[Diagnostic]:
    model = ctx.model
    namespaces = {a.namespace for a in model.artifacts.values()}
    for policy in model.policies.values():
        team = policy.doc.spec.get("team")
        if team:
            yield from ctx.missing("Team", team, model.teams, policy.doc, "spec", "team")
        for binding in policy.bindings:
            where = ("spec", "bindings", binding.index, "value")
            if binding.scope == "team" and binding.value:
                yield from ctx.missing("Team", binding.value, model.teams, policy.doc, *where)
            elif binding.scope == "artifact" and binding.value:
                yield from ctx.missing("Artifact", binding.value, model.artifacts, policy.doc, *where)
            elif binding.scope == "namespace" and binding.value not in namespaces:
                hint = did_you_mean(binding.value, sorted(namespaces))
                yield error(
                    f"spec.bindings[{binding.index}].value: no Artifact is in namespace {binding.value!r}, so this "
                    f"binding applies to nothing{hint}",
                    policy.doc.location(*where),
                    policy.doc.subject,
                )


def _pipelines(ctx: CheckContext) -> Iterator[Diagnostic]:
    model = ctx.model
    for pipeline in model.pipelines.values():
        yield from ctx.missing("Team", pipeline.team, model.teams, pipeline.doc, "spec", "team")
        for target in pipeline.targets:
            for i, name in enumerate(target.names):
                path = ("spec", "targets", target.index, "clusters", "names", i)
                yield from ctx.missing("Cluster", name, model.clusters, pipeline.doc, *path)
