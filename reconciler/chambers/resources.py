"""Butler `butler.butlerlabs.dev/v1alpha1` Workspace and WorkspaceTemplate CRs compiled from the repo.

A Workspace CR lives on the management cluster in the namespace of its cluster's TenantCluster, with
`clusterRef.name` naming that TenantCluster, the labels butler-server sets on create, and every defaulted field
written out: the workspace's own value, else its template's, else the cluster's `defaultImage` (for the image),
else Butler's CRD default. Writing the defaults out makes the CR say exactly what will run, and a template change
shows up as a change of the CRs that use it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from reconciler.model.butler import BUTLER_API_VERSION as API_VERSION
from reconciler.model.identity import CompiledIdentity, ObjectKey
from reconciler.model.kinds import Cluster, RepoModel, Workspace, WorkspaceTemplate
from reconciler.model.ownership import DRIFT_ANNOTATION, DRIFT_MODES, ownership_labels

TENANT_LABEL = "butler.butlerlabs.dev/tenant"
OWNER_LABEL = "butler.butlerlabs.dev/workspace-owner"
CLUSTER_TEMPLATE_NAMESPACE = "butler-system"

# Butler's CRD defaults for the top-level Workspace fields (workspaces.yaml, openAPIV3Schema).
CRD_DEFAULTS: Mapping[str, Any] = {
    "resources": {"cpu": "2", "memory": "4Gi"},
    "idleTimeout": "4h",
    "autoStopAfter": "8h",
    "storageSize": "10Gi",
}
# Template fields copied into a workspace that does not set them (Butler's WorkspaceTemplate.spec.template).
TEMPLATE_FIELDS = ("image", "repository", "repositories", "envFrom", "dotfiles", "resources", "storageSize")
# Workspace document fields that are ours, not Butler's spec.
_PORTAL_FIELDS = frozenset({"team", "cluster", "template"})
_LABEL_VALUE_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def sanitized_owner(email: str) -> str:
    """An email as a label value (≤ 63 of [A-Za-z0-9_.-], alphanumeric at both ends): '@' reads '-at-'."""
    value = _LABEL_VALUE_UNSAFE.sub("-", email.strip().lower().replace("@", "-at-"))
    return value[:63].strip("-_.")


def team_namespace(team: str) -> str:
    return f"team-{team}"


def _metadata(name: str, namespace: str, labels: Mapping[str, str], annotations: Mapping[str, str]) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": dict(labels)}
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def _drift_annotation(doc_body: Mapping[str, Any]) -> dict[str, str]:
    metadata = doc_body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    mode = annotations.get(DRIFT_ANNOTATION) if isinstance(annotations, Mapping) else None
    return {DRIFT_ANNOTATION: mode} if mode in DRIFT_MODES else {}


def workspace_spec(workspace: Workspace, template: WorkspaceTemplate | None, cluster: Cluster) -> dict[str, Any]:
    """Butler's Workspace spec: own fields, then the template's, then the cluster's image, then CRD defaults."""
    spec: dict[str, Any] = {k: v for k, v in workspace.spec.items() if k not in _PORTAL_FIELDS}
    inherited: Mapping[str, Any] = template.template if template else {}
    for key in TEMPLATE_FIELDS:
        if key not in spec and key in inherited:
            spec[key] = inherited[key]
    spec.setdefault("image", cluster.workspaces.default_image)
    for key, default in CRD_DEFAULTS.items():
        spec.setdefault(key, default)
    spec["owner"] = workspace.owner
    spec["clusterRef"] = {"name": cluster.tenant_cluster_ref.name if cluster.tenant_cluster_ref else cluster.name}
    return {key: spec[key] for key in sorted(spec)}


def workspace_namespace(workspace: Workspace, cluster: Cluster) -> str:
    ref = cluster.tenant_cluster_ref
    return (ref.namespace if ref else None) or team_namespace(cluster.team or workspace.team)


def template_namespace(template: WorkspaceTemplate) -> str:
    """Cluster-scoped templates live in butler-system, team templates in their team's namespace."""
    if template.scope == "cluster" or not template.team:
        return CLUSTER_TEMPLATE_NAMESPACE
    return team_namespace(template.team)


def identities(model: RepoModel, names: Collection[str] | None = None) -> Iterator[CompiledIdentity]:
    """What `desired_objects` compiles, by identity only: cheap enough for every validation. With `names`, only
    the objects of the documents so named (each object is named as its document)."""
    management = model.management_cluster
    if management is None:
        return
    for template in model.workspace_templates.values():
        if names is not None and template.name not in names:
            continue
        key = ObjectKey(API_VERSION, "WorkspaceTemplate", template_namespace(template), template.name)
        yield CompiledIdentity(management.name, key, template.doc)
    for workspace in model.workspaces.values():
        if names is not None and workspace.name not in names:
            continue
        cluster = model.clusters.get(workspace.cluster)
        if cluster is not None and cluster.tenant_cluster_ref is not None:
            key = ObjectKey(API_VERSION, "Workspace", workspace_namespace(workspace, cluster), workspace.name)
            yield CompiledIdentity(management.name, key, workspace.doc)


def workspace_resource(workspace: Workspace, model: RepoModel, instance: str) -> dict[str, Any] | None:
    """The Workspace CR, or None when its cluster has no TenantCluster to place it by (validation says why)."""
    cluster = model.clusters.get(workspace.cluster)
    if cluster is None or cluster.tenant_cluster_ref is None:
        return None
    template = model.workspace_templates.get(workspace.template or "")
    ref = cluster.tenant_cluster_ref
    labels = {
        **ownership_labels(instance, "Workspace", workspace.name),
        TENANT_LABEL: ref.name,
        OWNER_LABEL: sanitized_owner(workspace.owner),
    }
    return {
        "apiVersion": API_VERSION,
        "kind": "Workspace",
        "metadata": _metadata(
            workspace.name,
            workspace_namespace(workspace, cluster),
            labels,
            _drift_annotation(workspace.doc.body),
        ),
        "spec": workspace_spec(workspace, template, cluster),
    }


def workspace_template_resource(template: WorkspaceTemplate, instance: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "displayName": template.display_name,
        "category": template.category,
        "scope": template.scope,
        "template": dict(template.template),
    }
    if template.description:
        spec["description"] = template.description
    icon = template.doc.spec.get("icon")
    if icon:
        spec["icon"] = icon
    return {
        "apiVersion": API_VERSION,
        "kind": "WorkspaceTemplate",
        "metadata": _metadata(
            template.name,
            template_namespace(template),
            ownership_labels(instance, "WorkspaceTemplate", template.name),
            _drift_annotation(template.doc.body),
        ),
        "spec": {key: spec[key] for key in sorted(spec)},
    }


def desired_objects(model: RepoModel, instance: str) -> dict[str, list[dict[str, Any]]]:
    """Management cluster name → its Workspace and WorkspaceTemplate CRs (templates first, then by name)."""
    management = model.management_cluster
    if management is None:
        return {}
    objects = [workspace_template_resource(t, instance) for _, t in sorted(model.workspace_templates.items())]
    for _, workspace in sorted(model.workspaces.items()):
        resource = workspace_resource(workspace, model, instance)
        if resource is not None:
            objects.append(resource)
    return {management.name: objects} if objects else {}
