"""`api/index.json` and `api/<kind>/<name>.json` (workspaces: `api/workspace/<team>/<name>.json`).

Each entity is its document as written (apiVersion, kind, metadata, spec), so a client reads what the YAML says,
plus a `status` of facts derived from the whole commit (see `sitegen.api.status`). Every file validates against
its schema in schemas/api/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler import API_VERSION
from reconciler.keeper.state import ArtifactState
from reconciler.model.document import Document
from reconciler.model.kinds import RepoModel
from sitegen.api.status import (
    Relations,
    artifact_status,
    cluster_status,
    pipeline_status,
    policy_status,
    relations,
    source,
    team_status,
)
from sitegen.files import SiteFiles, json_bytes
from sitegen.redact import published_body
from sitegen.registry.published import registry_states

INDEX_PATH = "api/index.json"
SCHEMA_BASE = "https://butlerlabs.dev/schemas/portal/v1alpha1/api/"


@dataclass(frozen=True, slots=True)
class Entity:
    kind: str
    name: str
    team: str | None  # the owning team, for kinds that have one
    doc: Document
    status: Callable[[], dict[str, Any]]

    @property
    def path(self) -> str:
        return entity_path(self.kind, self.name, self.team)


def entity_path(kind: str, name: str, team: str | None = None) -> str:
    """Where the API publishes an entity; workspace names are unique per team, so their team is in the path."""
    if kind == "Workspace":
        return f"api/workspace/{team}/{name}.json"
    return f"api/{kind.lower()}/{name}.json"


def entities(model: RepoModel, states: Mapping[str, ArtifactState]) -> Iterator[Entity]:
    """Every entity of `model`, kind by kind, each in name order."""
    found: Relations = relations(model, states)
    for name, team in sorted(model.teams.items()):
        yield Entity("Team", name, None, team.doc, lambda n=name: team_status(n, found))
    for name, cluster in sorted(model.clusters.items()):
        yield Entity("Cluster", name, cluster.team, cluster.doc, lambda n=name: cluster_status(n, found))
    for name, template in sorted(model.workspace_templates.items()):
        yield Entity("WorkspaceTemplate", name, template.team, template.doc, dict)
    for (team, name), workspace in sorted(model.workspaces.items()):
        yield Entity("Workspace", name, team, workspace.doc, dict)
    for name, artifact in sorted(model.artifacts.items()):
        state = states[name]
        yield Entity("Artifact", name, state.team, artifact.doc, lambda s=state: artifact_status(s))
    for name, policy in sorted(model.policies.items()):
        yield Entity("Policy", name, None, policy.doc, lambda n=name: policy_status(n, found))
    for name, pipeline in sorted(model.pipelines.items()):
        yield Entity("Pipeline", name, pipeline.team, pipeline.doc, lambda n=name: pipeline_status(n, found))


def entity_json(entity: Entity) -> dict[str, Any]:
    body = published_body(entity.doc)
    return {**body, "status": {"source": source(entity.doc), **entity.status()}}


def api_files(model: RepoModel, states: Mapping[str, ArtifactState] | None = None) -> SiteFiles:
    """The index and one JSON file per entity of `model`."""
    states = registry_states(model, states)
    files: dict[str, bytes] = {}
    listed: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for entity in entities(model, states):
        files[entity.path] = json_bytes(entity_json(entity))
        listed.append({"kind": entity.kind, "name": entity.name, "team": entity.team, "path": entity.path})
        counts[entity.kind] = counts.get(entity.kind, 0) + 1
    index = {
        "$schema": f"{SCHEMA_BASE}index.schema.json",
        "apiVersion": API_VERSION,
        "counts": counts,
        "entities": listed,
    }
    files[INDEX_PATH] = json_bytes(index)
    return SiteFiles(files)
