"""Chambers' checks across a commit: workspaces' team, owner, cluster and template resolve, keys exist, and
clusters keep their limits."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from reconciler.chambers.resources import CRD_DEFAULTS
from reconciler.model import Diagnostic, error
from reconciler.model.checks import CheckContext, CheckSubject, CrossCheck, document_token
from reconciler.model.kinds import Cluster, RepoModel, Workspace
from reconciler.model.units import parse_duration, parse_quantity

_DURATIONS = ("idleTimeout", "autoStopAfter")


def effective_setting(workspace: Workspace, model: RepoModel, key: str) -> Any:
    """A workspace field as Butler will see it: the workspace's own value, else its template's."""
    if key in workspace.spec:
        return workspace.spec[key]
    template = model.workspace_templates.get(workspace.template or "")
    return template.template.get(key) if template else None


def effective_resources(workspace: Workspace, model: RepoModel) -> dict[str, str]:
    resources: Mapping[str, Any] = effective_setting(workspace, model, "resources") or {}
    return {k: str(resources.get(k, v)) for k, v in CRD_DEFAULTS["resources"].items()}


def requested(workspace: Workspace, model: RepoModel) -> dict[str, str]:
    """What a workspace takes from its cluster's quota, by resource (cpu, memory, storage), as written."""
    wanted = effective_resources(workspace, model)
    wanted["storage"] = str(effective_setting(workspace, model, "storageSize") or CRD_DEFAULTS["storageSize"])
    return wanted


def _check_workspace(ctx: CheckContext, ws: Workspace) -> Iterator[Diagnostic]:
    model, doc = ctx.model, ws.doc
    team = model.teams.get(ws.team)
    if team is None:
        yield from ctx.missing("Team", ws.team, model.teams, doc, "spec", "team")
    elif team.role_of(ws.owner) is None:
        yield error(
            f"spec.owner: {ws.owner} is not a member of Team {ws.team!r}",
            doc.location("spec", "owner"),
            doc.subject,
        )
    cluster = model.clusters.get(ws.cluster)
    problem = None
    if cluster is None:
        yield from ctx.missing("Cluster", ws.cluster, model.clusters, doc, "spec", "cluster")
    elif cluster.role != "tenant":
        problem = f"{ws.cluster!r} is a {cluster.role} cluster; workspaces run on tenant clusters"
    elif not cluster.workspaces.enabled:
        problem = f"Cluster {ws.cluster!r} does not have workspaces enabled"
    if problem:
        yield error(f"spec.cluster: {problem}", doc.location("spec", "cluster"), doc.subject)
    if ws.template:
        template = model.workspace_templates.get(ws.template)
        if template is None:
            yield from ctx.missing("WorkspaceTemplate", ws.template, model.workspace_templates, doc, "spec", "template")
        elif template.scope == "team" and template.team != ws.team:
            yield error(
                f"spec.template: WorkspaceTemplate {ws.template!r} belongs to team {template.team!r}",
                doc.location("spec", "template"),
                doc.subject,
            )
    if not ws.spec.get("sshPublicKeys"):
        yield error(
            "spec.sshPublicKeys: a workspace needs at least one SSH public key (Butler refuses one without)",
            doc.location("spec"),
            doc.subject,
        )
    for key in _DURATIONS:
        if key in ws.spec:
            try:
                parse_duration(ws.spec[key])
            except ValueError as exc:
                yield error(f"spec.{key}: {exc}", doc.location("spec", key), doc.subject)


def _check_cluster_limits(cluster: Cluster, workspaces: list[Workspace], model: RepoModel) -> Iterator[Diagnostic]:
    doc = cluster.doc
    limit = cluster.workspaces.max_workspaces
    if len(workspaces) > limit:
        yield error(
            f"spec.workspaces.maxWorkspaces: {len(workspaces)} workspaces are placed on this cluster; "
            f"the limit is {limit}",
            doc.location("spec", "workspaces", "maxWorkspaces"),
            doc.subject,
        )
    quota = cluster.workspaces.resource_quota
    limits = {
        "cpu": ("maxCPU", quota.max_cpu),
        "memory": ("maxMemory", quota.max_memory),
        "storage": ("maxStorage", quota.max_storage),
    }
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for ws in workspaces:
        for resource, amount in requested(ws, model).items():
            try:
                totals[resource] += parse_quantity(amount)
            except ValueError as exc:
                field = "storageSize" if resource == "storage" else f"resources.{resource}"
                yield error(f"spec.{field}: {exc}", ws.doc.location("spec", *field.split(".")), ws.doc.subject)
    for resource, (field, limit_text) in limits.items():
        try:
            allowed = parse_quantity(limit_text)
        except ValueError as exc:
            yield error(
                f"spec.workspaces.resourceQuota.{field}: {exc}",
                doc.location("spec", "workspaces", "resourceQuota", field),
                doc.subject,
            )
            continue
        if totals[resource] > allowed:
            yield error(
                f"spec.workspaces.resourceQuota.{field}: the workspaces on this cluster ask for "
                f"{human_quantity(totals[resource], resource)} {resource} in total; the quota is {limit_text}",
                doc.location("spec", "workspaces", "resourceQuota", field),
                doc.subject,
            )


def human_quantity(amount: Decimal, resource: str) -> str:
    if resource == "cpu":
        return f"{amount.normalize():f}"
    return f"{(amount / 2**30).normalize():f}Gi"


def subjects(ctx: CheckContext) -> list[CheckSubject]:
    """One subject per cluster that workspaces name: its workspaces' own checks and its limits. Its inputs are
    the cluster's document, its workspaces' and the teams and templates they name; where a name resolves to no
    document, every declared name of that kind too (the "did you mean" hint is chosen among them)."""
    model = ctx.model
    per_cluster: dict[str, list[Workspace]] = defaultdict(list)
    for ws in model.workspaces.values():
        per_cluster[ws.cluster].append(ws)
    names = _DeclaredNames(ctx)
    # Teams and templates are named by many workspaces: each one's token is spelled once.
    teams = {name: document_token(team.doc) for name, team in model.teams.items()}
    templates = {name: document_token(template.doc) for name, template in model.workspace_templates.items()}
    result = []
    for name, workspaces in sorted(per_cluster.items()):
        cluster = model.clusters.get(name)
        inputs = [document_token(cluster.doc if cluster else None)]
        if cluster is None:
            inputs.append(names.digest("Cluster", model.clusters))
        for ws in workspaces:
            team = teams.get(ws.team)
            template = templates.get(ws.template) if ws.template else None
            inputs += (document_token(ws.doc), team or "-", template or "-")
            if team is None:
                inputs.append(names.digest("Team", model.teams))
            if ws.template and template is None:
                inputs.append(names.digest("WorkspaceTemplate", model.workspace_templates))
        result.append(CheckSubject(f"cluster/{name}", tuple(inputs), partial(_check_cluster, ctx, cluster, workspaces)))
    return result


def _check_cluster(ctx: CheckContext, cluster: Cluster | None, workspaces: list[Workspace]) -> Iterator[Diagnostic]:
    for ws in workspaces:
        yield from _check_workspace(ctx, ws)
    # Same-named workspaces of one cluster (or of clusters sharing a TenantCluster namespace) compile to one
    # Workspace CR: reconciler.validate.identities reports them, whatever kinds meet on one object.
    if cluster is not None and cluster.role == "tenant" and cluster.workspaces.enabled:
        yield from _check_cluster_limits(cluster, workspaces, ctx.model)


class _DeclaredNames:
    """Per kind, a digest of every name a "did you mean" hint chooses among; computed when first needed."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.digests: dict[str, str] = {}

    def digest(self, kind: str, known: Collection[str]) -> str:
        if kind not in self.digests:
            text = "\n".join(self.ctx.names(kind, known)).encode()
            self.digests[kind] = f"{kind} names=" + hashlib.sha256(text, usedforsecurity=False).hexdigest()
        return self.digests[kind]


CROSS_CHECKS = (
    CrossCheck("chambers", frozenset({"Workspace", "WorkspaceTemplate", "Cluster", "Team"}), subjects=subjects),
)
