"""What the API adds to each document under `status`: facts derived from the whole commit, never written in the
document itself. Keeper's facts (version states, latest, effective policy) come from Keeper's own derivation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reconciler.keeper.policy import PLATFORM_TEAM, EffectivePolicy
from reconciler.keeper.state import ArtifactState, VersionState
from reconciler.model.document import Document
from reconciler.model.kinds import RepoModel


def rfc3339(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment is not None else None


def source(doc: Document) -> dict[str, Any]:
    """Where the entity is declared: its file, and which document of the file (from 0)."""
    return {"path": doc.path, "document": doc.index}


def _version(version: VersionState) -> dict[str, Any]:
    return {
        "version": version.version,
        "state": version.approval_status,
        "latest": version.is_latest,
        "yanked": version.is_bad,
        "approvals": len(version.approvals),
        "requiredApprovals": version.required_approvals,
        "approvedBy": version.approved_by,
        "approvedAt": rfc3339(version.approved_at),
    }


def _policy(policy: EffectivePolicy) -> dict[str, Any]:
    return {
        "enforcementLevel": policy.enforcement_level,
        "rules": dict(policy.rules),
        "policies": list(policy.policies),
        "origins": [
            {"rule": o.rule, "value": o.value, "scope": o.scope, "sources": list(o.sources)} for o in policy.origins
        ],
    }


def artifact_status(state: ArtifactState) -> dict[str, Any]:
    latest = state.latest
    return {
        "team": state.team,
        "lifecycle": state.status,
        "registry": {"namespace": state.namespace, "name": state.registry_name, "provider": state.provider},
        "latest": latest.version if latest is not None else None,
        "versions": [_version(v) for v in state.versions],
        "effectivePolicy": _policy(state.policy),
    }


@dataclass(slots=True)
class Relations:
    """Who owns, targets and binds what, read once from the model."""

    team_clusters: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    team_workspaces: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    team_artifacts: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    team_pipelines: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    cluster_workspaces: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    cluster_pipelines: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))
    pipeline_targets: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))
    policy_artifacts: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def relations(model: RepoModel, states: Mapping[str, ArtifactState]) -> Relations:
    found = Relations()
    for name, cluster in sorted(model.clusters.items()):
        if cluster.team:
            found.team_clusters[cluster.team].append(name)
    for (team, name), workspace in sorted(model.workspaces.items()):
        found.team_workspaces[team].append(f"{team}/{name}")
        found.cluster_workspaces[workspace.cluster].append(f"{team}/{name}")
    for name, artifact in sorted(model.artifacts.items()):
        found.team_artifacts[artifact.team or PLATFORM_TEAM].append(name)
        for policy in states[name].policy.policies:
            found.policy_artifacts[policy].append(name)
    for name, pipeline in sorted(model.pipelines.items()):
        found.team_pipelines[pipeline.team].append(name)
        targets = sorted({(c.name, t.role) for t in pipeline.targets for c in model.clusters_matching(t)})
        for cluster, role in targets:
            found.pipeline_targets[name].append({"cluster": cluster, "role": role})
            found.cluster_pipelines[cluster].append({"pipeline": name, "role": role})
    return found


def team_status(name: str, found: Relations) -> dict[str, Any]:
    return {
        "owns": {
            "clusters": found.team_clusters.get(name, []),
            "workspaces": found.team_workspaces.get(name, []),
            "artifacts": found.team_artifacts.get(name, []),
            "pipelines": found.team_pipelines.get(name, []),
        }
    }


def cluster_status(name: str, found: Relations) -> dict[str, Any]:
    return {"workspaces": found.cluster_workspaces.get(name, []), "pipelines": found.cluster_pipelines.get(name, [])}


def pipeline_status(name: str, found: Relations) -> dict[str, Any]:
    return {"targets": found.pipeline_targets.get(name, [])}


def policy_status(name: str, found: Relations) -> dict[str, Any]:
    return {"appliesTo": found.policy_artifacts.get(name, [])}
