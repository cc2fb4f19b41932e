"""The rows a commit declares: a pure function of the validated model, Keeper's derived state and Herald's
compiled configs. Nothing here reads the database; `plan` compares these rows with what it holds.

Secrets never reach a row: documents only reference Secrets, and a pipeline's `env` keeps a Secret reference
as the reference (name and key), never a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from reconciler.db import tables as t
from reconciler.db.tables import Row, Table, content_hash, make_row, row_id
from reconciler.herald.catalog import Catalog
from reconciler.herald.compile import render_config, vector_config
from reconciler.herald.components import pipeline_components
from reconciler.keeper import ArtifactState, VersionState, recorded_state
from reconciler.model.kinds import (
    Cluster,
    EnvVar,
    Pipeline,
    Policy,
    RepoModel,
    Team,
    Workspace,
    WorkspaceTemplate,
)

ReadText = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Placement:
    cluster: str
    role: str


@dataclass(frozen=True, slots=True)
class CompiledPipeline:
    """A pipeline's compiled config and where it runs; its version number depends on what the database holds."""

    pipeline_id: Any  # uuid.UUID
    name: str
    team: str
    config_hash: str
    vector_config: str
    dag: Mapping[str, Any]
    document: Mapping[str, Any]
    placements: tuple[Placement, ...]


@dataclass(frozen=True, slots=True)
class DesiredState:
    rows: Mapping[str, tuple[Row, ...]]  # table name → rows, for every table but the pipeline versions
    pipelines: tuple[CompiledPipeline, ...]
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


def artifact_row(state: ArtifactState, read_text: ReadText) -> Row:
    spec = state.artifact.doc.spec
    readme_path = spec.get("readme")
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
            "readme": read_text(readme_path) if isinstance(readme_path, str) else None,
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


def compiled_pipeline(pipeline: Pipeline, model: RepoModel, catalog: Catalog) -> CompiledPipeline:
    # No commit in the rendered text: the config (and its version) must not change when only the commit does.
    rendered = render_config(vector_config(pipeline, catalog), [pipeline.name])
    seen: dict[Placement, None] = {}
    for target in pipeline.targets:
        for cluster in model.clusters_matching(target):
            seen.setdefault(Placement(cluster.name, target.role))
    document = {key: value for key, value in pipeline.doc.body.items()}
    return CompiledPipeline(
        pipeline_id=row_id(t.PIPELINES, pipeline.name),
        name=pipeline.name,
        team=pipeline.team,
        config_hash=rendered.body_hash,
        vector_config=rendered.text,
        dag=pipeline_dag(pipeline),
        document=document,
        placements=tuple(sorted(seen, key=lambda p: (p.cluster, p.role))),
    )


def desired_state(model: RepoModel, read_text: ReadText, catalog: Catalog) -> DesiredState:
    """Every row the commit declares, as Keeper and Herald would hold it for a merged commit."""
    rows: dict[str, list[Row]] = {table.name: [] for table in t.SYNCED_TABLES}

    def add(pairs: Iterator[tuple[Table, Row]]) -> None:
        for table, row in pairs:
            rows[table.name].append(row)

    for team in model.teams.values():
        add(team_rows(team))
    rows[t.CLUSTERS.name] = [cluster_row(c) for c in model.clusters.values()]
    rows[t.WORKSPACE_TEMPLATES.name] = [workspace_template_row(w) for w in model.workspace_templates.values()]
    rows[t.WORKSPACES.name] = [workspace_row(w) for w in model.workspaces.values()]
    for policy in model.policies.values():
        add(policy_rows(policy))
    for state in recorded_state(model).values():
        rows[t.ARTIFACTS.name].append(artifact_row(state, read_text))
        for version in state.versions:
            add(version_rows(state, version))
    rows[t.PIPELINES.name] = [pipeline_row(p) for p in model.pipelines.values()]
    pipelines = tuple(compiled_pipeline(p, model, catalog) for _, p in sorted(model.pipelines.items()))
    frozen = {name: tuple(sorted(found, key=lambda r: str(r.id))) for name, found in rows.items()}
    digest = content_hash(
        [
            {name: [r.hash for r in found] for name, found in frozen.items()},
            [(p.name, p.config_hash, content_hash(p.dag), content_hash(p.document), p.placements) for p in pipelines],
        ]
    )
    return DesiredState(frozen, pipelines, digest)
