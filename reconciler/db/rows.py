"""The rows a commit declares: a pure function of the validated model, Keeper's derived state and Herald's
compiled configs. Nothing here reads the database; `plan` compares these rows with what it holds.

Secrets never reach a row: documents only reference Secrets, and a pipeline's `env` keeps a Secret reference
as the reference (name and key), never a value.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any, TypeVar

from reconciler.build import Build
from reconciler.db import tables as t
from reconciler.db.tables import Row, Table, content_hash, make_row, row_id
from reconciler.herald.compile import render_config
from reconciler.herald.components import pipeline_components
from reconciler.keeper.authority import relaxation
from reconciler.keeper.policy import PLATFORM_TEAM
from reconciler.keeper.state import ArtifactState, VersionState, derive_artifact
from reconciler.model.document import Document
from reconciler.model.kinds import (
    Artifact,
    Cluster,
    EnvVar,
    Pipeline,
    Policy,
    RepoModel,
    Team,
    Workspace,
    WorkspaceTemplate,
)
from reconciler.model.recorded import RecordedRegistry

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class DeploymentPlacement:
    cluster: str
    role: str


@dataclass(frozen=True, slots=True)
class CompiledPipeline:
    """A pipeline's compiled config and where it runs; its version number depends on what the database holds."""

    pipeline_id: uuid.UUID
    name: str
    team: str
    config_hash: str
    vector_config: str
    dag: Mapping[str, Any]
    document: Mapping[str, Any]
    placements: tuple[DeploymentPlacement, ...]
    digest: str  # of all the above: what the pipeline versions and deployments are made from


@dataclass(frozen=True, slots=True)
class DesiredRows:
    rows: Mapping[str, tuple[Row, ...]]  # table name → rows, for every table but the pipeline versions
    pipelines: tuple[CompiledPipeline, ...]
    table_digests: Mapping[str, str]  # per table; the pipeline versions and deployments share the compiled digest
    digest: str  # of everything above: equal digests mean the sync has nothing to write


def team_rows(team: Team) -> Iterator[tuple[Table, Row]]:
    yield (
        t.TEAMS,
        make_row(
            t.TEAMS,
            (team.name,),
            {"name": team.name, "display_name": team.display_name, "description": team.description},
            name=team.name,
            team=team.name,
        ),
    )
    team_id = row_id(t.TEAMS, team.name)
    for member_type, members in (("user", team.users), ("group", team.groups)):
        for member in members:
            yield (
                t.TEAM_MEMBERS,
                make_row(
                    t.TEAM_MEMBERS,
                    (team.name, member_type, member.name),
                    {"team_id": team_id, "member_type": member_type, "member": member.name, "role": member.role},
                    name=f"{team.name}/{member.name}",
                    team=team.name,
                ),
            )


def cluster_row(cluster: Cluster) -> Row:
    connection = asdict(cluster.connection)  # a context name or a Secret reference: never credentials
    tenant_ref = asdict(cluster.tenant_cluster_ref) if cluster.tenant_cluster_ref else None
    return make_row(
        t.CLUSTERS,
        (cluster.name,),
        {
            "name": cluster.name,
            "role": cluster.role,
            "team": cluster.team,
            "labels": dict(cluster.labels),
            "connection": connection,
            "tenant_cluster_ref": tenant_ref,
            "drift": cluster.drift,
            "workspaces": asdict(cluster.workspaces),
        },
        name=cluster.name,
        team=cluster.team,
    )


def workspace_template_row(template: WorkspaceTemplate) -> Row:
    return make_row(
        t.WORKSPACE_TEMPLATES,
        (template.name,),
        {
            "name": template.name,
            "display_name": template.display_name,
            "description": template.description,
            "category": template.category,
            "scope": template.scope,
            "team": template.team,
            "template": dict(template.template),
        },
        name=template.name,
        team=template.team,
    )


def workspace_row(workspace: Workspace) -> Row:
    return make_row(
        t.WORKSPACES,
        workspace.key,
        {
            "team": workspace.team,
            "name": workspace.name,
            "owner": workspace.owner,
            "cluster": workspace.cluster,
            "template": workspace.template,
            "spec": dict(workspace.spec),
        },
        name=f"{workspace.team}/{workspace.name}",
        team=workspace.team,
    )


def policy_rows(policy: Policy) -> Iterator[tuple[Table, Row]]:
    spec = policy.doc.spec
    yield (
        t.POLICY_TEMPLATES,
        make_row(
            t.POLICY_TEMPLATES,
            (policy.name,),
            {
                "name": policy.name,
                "description": str(spec.get("description", "")),
                "enforcement_level": policy.enforcement_level,
                "rules": dict(policy.rules),
                "team": None,  # Policies in Git belong to the platform
            },
            name=policy.name,
            team=None,
        ),
    )
    template_id = row_id(t.POLICY_TEMPLATES, policy.name)
    for binding in policy.bindings:
        yield (
            t.POLICY_BINDINGS,
            make_row(
                t.POLICY_BINDINGS,
                (policy.name, binding.scope, binding.value),
                {"policy_template_id": template_id, "scope_type": binding.scope, "scope_value": binding.value},
                name=f"{policy.name}:{binding.scope}/{binding.value or '*'}",
                team=None,
            ),
        )


def artifact_label(state: ArtifactState) -> str:
    provider = f"/{state.provider}" if state.provider else ""
    return f"{state.namespace}/{state.registry_name}{provider}"


def artifact_row(state: ArtifactState, readme: str | None) -> Row:
    spec = state.artifact.doc.spec
    policy = state.policy
    return make_row(
        t.ARTIFACTS,
        state.artifact.registry_key,
        {
            "document_name": state.name,
            "namespace": state.namespace,
            "name": state.registry_name,
            "provider": state.provider,
            "type": state.type,
            "description": str(spec.get("description", "")),
            "readme": readme,
            "team": state.team,
            "tags": list(spec.get("tags") or []),
            "category": spec.get("category"),
            "status": state.status,
            "storage_config": dict(spec.get("storage") or {}),
            "source_config": dict(spec["source"]) if isinstance(spec.get("source"), Mapping) else None,
            "approval_policy": dict(state.artifact.approval_policy),
            "effective_policy": {
                "rules": dict(policy.rules),
                "enforcementLevel": policy.enforcement_level,
                "policies": list(policy.policies),
            },
        },
        name=artifact_label(state),
        team=state.team,
    )


def version_rows(state: ArtifactState, version: VersionState) -> Iterator[tuple[Table, Row]]:
    artifact_id = row_id(t.ARTIFACTS, *state.artifact.registry_key)
    data = version.data
    metadata = data.get("metadata") if isinstance(data.get("metadata"), Mapping) else {}
    label = f"{artifact_label(state)}@{version.version}"
    actors = {"created": version.published_by}
    if version.approved_by:
        actors["approved"] = version.approved_by
    if version.rejection is not None:
        actors["rejected"] = version.rejection.by
    if version.yank is not None:
        actors["yanked"] = version.yank.by
    rejection, yank = version.rejection, version.yank
    yield (
        t.ARTIFACT_VERSIONS,
        make_row(
            t.ARTIFACT_VERSIONS,
            (*state.artifact.registry_key, version.version),
            {
                "artifact_id": artifact_id,
                "version": version.version,
                "version_major": version.major,
                "version_minor": version.minor,
                "version_patch": version.patch,
                "version_pre": version.pre,
                "version_sort": version.sort_text,
                "approval_status": version.approval_status,
                "is_latest": version.is_latest,
                "is_bad": version.is_bad,
                "yank_reason": version.yank_reason,
                "yanked_by": yank.by if yank else None,
                "yanked_at": yank.at if yank else None,
                "approved_by": version.approved_by,
                "approved_at": version.approved_at,
                "approvals_required": version.required_approvals,
                "rejected_by": rejection.by if rejection else None,
                "rejected_at": rejection.at if rejection else None,
                "rejection_reason": rejection.reason if rejection else None,
                "changelog": data.get("changelog"),
                "digest": data.get("digest"),
                "size_bytes": data.get("sizeBytes"),
                "published_by": version.published_by,
                "published_at": version.published_at,
                "storage_ref": data.get("storageRef"),
                "examples": list(data.get("examples") or []),
                "dependencies": list(data.get("dependencies") or []),
                "terraform_metadata": metadata.get("terraform"),
                "helm_metadata": metadata.get("helm"),
                "opa_metadata": metadata.get("opa"),
                "archived": False,
            },
            name=label,
            team=state.team,
            actors=actors,
        ),
    )
    version_id = row_id(t.ARTIFACT_VERSIONS, *state.artifact.registry_key, version.version)
    for approval in version.approvals:
        yield (
            t.VERSION_APPROVALS,
            make_row(
                t.VERSION_APPROVALS,
                (*state.artifact.registry_key, version.version, approval.by.lower()),
                {
                    "version_id": version_id,
                    "actor": approval.by,
                    "comment": approval.comment,
                    "approved_at": approval.at,
                    "archived": False,
                },
                name=f"{label} by {approval.by}",
                team=state.team,
                actors={"created": approval.by, "updated": approval.by, "deleted": approval.by},
            ),
        )


def env_entry(variable: EnvVar) -> dict[str, Any]:
    """A variable as stored: a Secret-backed one keeps only its reference."""
    if variable.secret_ref is not None:
        return {"name": variable.name, "secretRef": asdict(variable.secret_ref)}
    return {"name": variable.name, "value": variable.value}


def pipeline_row(pipeline: Pipeline) -> Row:
    return make_row(
        t.PIPELINES,
        (pipeline.name,),
        {
            "name": pipeline.name,
            "description": pipeline.description,
            "team": pipeline.team,
            "status": "active",
            "env": [env_entry(v) for v in pipeline.env],
            "targets": [
                {"matchLabels": dict(target.match_labels), "names": list(target.names), "role": target.role}
                for target in pipeline.targets
            ],
            "created_by": None,
        },
        name=pipeline.name,
        team=pipeline.team,
    )


def pipeline_dag(pipeline: Pipeline) -> dict[str, Any]:
    """Herald's DAG document: components and the edges between them."""
    components = pipeline_components(pipeline)
    return {
        "components": [
            {"id": c.id, "type": c.kind, "vectorType": c.type_name, "config": c.options} for c in components
        ],
        "edges": [
            dict(zip(("from", "fromOutput"), source.split(".", 1), strict=False)) | {"to": c.id}
            for c in components
            for source in sorted(set(c.inputs))
        ],
    }


@dataclass(frozen=True, slots=True)
class _Compiled:
    config_hash: str
    vector_config: str
    dag: Mapping[str, Any]
    document: Mapping[str, Any]
    digest: str


def _compile(pipeline: Pipeline, built: Build) -> _Compiled:
    # No commit in the rendered text: the config (and its version) must not change when only the commit does.
    rendered = render_config(built.pipeline_config(pipeline.name), [pipeline.name])
    dag = pipeline_dag(pipeline)
    document = dict(pipeline.doc.body)
    return _Compiled(
        rendered.body_hash, rendered.text, dag, document, content_hash([rendered.body_hash, dag, document])
    )


def compiled_pipeline(pipeline: Pipeline, built: Build, cache: RowCache | None = None) -> CompiledPipeline:
    compiled = (cache or RowCache()).get(
        _document_key("Vector", pipeline.doc, id(built.catalog)), partial(_compile, pipeline, built)
    )
    model = built.model
    seen: dict[DeploymentPlacement, None] = {}
    for target in pipeline.targets:
        for cluster in model.clusters_matching(target):
            seen.setdefault(DeploymentPlacement(cluster.name, target.role))
    placements = tuple(sorted(seen, key=lambda p: (p.cluster, p.role)))
    return CompiledPipeline(
        pipeline_id=row_id(t.PIPELINES, pipeline.name),
        name=pipeline.name,
        team=pipeline.team,
        config_hash=compiled.config_hash,
        vector_config=compiled.vector_config,
        dag=compiled.dag,
        document=compiled.document,
        placements=placements,
        digest=content_hash([pipeline.name, compiled.digest, placements]),
    )


class RowCache:
    """Rows already made from unchanged documents, by blob id: a long-lived process (the daemon, a benchmark)
    turns only the documents a commit changed into rows. Entries not used by the latest commit are dropped."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Any, ...], Any] = {}
        self._used: dict[tuple[Any, ...], Any] = {}

    def get(self, key: tuple[Any, ...] | None, make: Callable[[], _T]) -> _T:
        if key is None:  # a document without a blob id: nothing identifies its content
            return make()
        value = self._used[key] = self._entries[key] if key in self._entries else make()
        return value

    def end_commit(self) -> None:
        self._entries, self._used = self._used, {}


def _document_key(kind: str, doc: Document, *context: Any) -> tuple[Any, ...] | None:
    return (kind, doc.blob_id, doc.index, *context) if doc.blob_id else None


@dataclass(frozen=True, slots=True)
class SyncBase:
    """What the database held before this sync, and who authored the commit: an inline policy that asks less
    than the one in force (the database's, or the Policies' for a new artifact) counts only when the author is an
    admin of the owning team by the database."""

    recorded: RecordedRegistry
    author: str | None


def _governing(artifact: Artifact, model: RepoModel, base: SyncBase | None) -> Artifact:
    if base is None:
        return artifact
    team = artifact.team or PLATFORM_TEAM
    stored = base.recorded.artifacts.get(artifact.registry_key)
    in_force = stored.approval_policy if stored is not None and stored.team == team else {}
    relaxed = relaxation(artifact, in_force, model, base.recorded.admins.get(team, frozenset()), base.author)
    return relaxed.governing if relaxed is not None else artifact


def _artifact_rows(
    governing: Artifact, model: RepoModel, readme: str | None
) -> tuple[Row, tuple[tuple[Table, Row], ...]]:
    # A merged commit judges itself, as Keeper's `recorded_state` does: approvals were judged when they merged.
    state = derive_artifact(governing, model, model)
    return artifact_row(state, readme), tuple(pair for v in state.versions for pair in version_rows(state, v))


def desired_rows(built: Build, cache: RowCache | None = None, base: SyncBase | None = None) -> DesiredRows:
    """Every row the commit declares, as Keeper and Herald would hold it for a merged commit (with `base`, inline
    policies judged by what the database held). Pipelines are compiled by the build, only when not cached."""
    model, read_text = built.model, built.validation.source.read_text
    cache = cache or RowCache()
    rows: dict[str, list[Row]] = {table.name: [] for table in t.SYNCED_TABLES}

    def add(pairs: Iterable[tuple[Table, Row]]) -> None:
        for table, row in pairs:
            rows[table.name].append(row)

    for team in model.teams.values():
        add(cache.get(_document_key("Team", team.doc), lambda team=team: tuple(team_rows(team))))
    for cluster in model.clusters.values():
        rows[t.CLUSTERS.name].append(cache.get(_document_key("Cluster", cluster.doc), partial(cluster_row, cluster)))
    for template in model.workspace_templates.values():
        key = _document_key("WorkspaceTemplate", template.doc)
        rows[t.WORKSPACE_TEMPLATES.name].append(cache.get(key, partial(workspace_template_row, template)))
    for workspace in model.workspaces.values():
        key = _document_key("Workspace", workspace.doc)
        rows[t.WORKSPACES.name].append(cache.get(key, partial(workspace_row, workspace)))
    for policy in model.policies.values():
        add(cache.get(_document_key("Policy", policy.doc), lambda policy=policy: tuple(policy_rows(policy))))
    # An artifact's state also depends on who may approve (Teams) and which rules apply (Policies).
    authority = content_hash(sorted((d.blob_id, d.index) for d in _authority_documents(model)))
    for _, artifact in sorted(model.artifacts.items()):
        readme_path = artifact.doc.spec.get("readme")
        readme = read_text(readme_path) if isinstance(readme_path, str) else None
        # Its inline policy is judged by the database: the commit may not have been checked against its base.
        # The rows depend on the database only through the policy that governs, so they are cached by it: a
        # sync that restrains nothing reuses the rows of the first sync (which has no base) and of any author.
        governing = _governing(artifact, model, base)
        restraint = None if governing is artifact else content_hash(dict(governing.approval_policy))
        key = _document_key("Artifact", artifact.doc, authority, readme, restraint)
        artifact_row_, versions = cache.get(key, partial(_artifact_rows, governing, model, readme))
        rows[t.ARTIFACTS.name].append(artifact_row_)
        add(versions)
    rows[t.PIPELINES.name] = [
        cache.get(_document_key("Pipeline", p.doc), partial(pipeline_row, p)) for p in model.pipelines.values()
    ]
    # Where a pipeline runs depends on the Clusters too.
    clusters = content_hash(sorted((c.doc.blob_id, c.doc.index) for c in model.clusters.values()))
    pipelines = tuple(
        cache.get(
            _document_key("Placed", p.doc, clusters, id(built.catalog)), partial(compiled_pipeline, p, built, cache)
        )
        for _, p in sorted(model.pipelines.items())
    )
    cache.end_commit()
    frozen = {name: tuple(found) for name, found in rows.items()}
    # Over sorted hashes: the same rows give the same digest whatever order the files list them in.
    table_digests = {name: content_hash(sorted(r.hash for r in found)) for name, found in frozen.items()}
    compiled = content_hash([p.digest for p in pipelines])
    table_digests |= {t.PIPELINE_VERSIONS.name: compiled, t.PIPELINE_DEPLOYMENTS.name: compiled}
    digest = content_hash(sorted(table_digests.items()))
    return DesiredRows(frozen, pipelines, table_digests, digest)


def _authority_documents(model: RepoModel) -> Iterator[Document]:
    yield from (team.doc for team in model.teams.values())
    yield from (policy.doc for policy in model.policies.values())
