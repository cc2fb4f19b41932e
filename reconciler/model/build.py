"""Documents → typed model. Runs only on documents that passed their schema, so shapes are trusted here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from reconciler.model import rules
from reconciler.model.diagnostics import Diagnostic, error
from reconciler.model.document import Document
from reconciler.model.kinds import (
    GIT_HOSTS,
    KINDS,
    Approval,
    Artifact,
    ArtifactVersion,
    Cluster,
    ClusterWorkspaces,
    Connection,
    EnvVar,
    Member,
    ObjectRef,
    Pipeline,
    PipelineTarget,
    Policy,
    PolicyBinding,
    RepoModel,
    ResourceQuota,
    SecretKeyRef,
    Team,
    Verdict,
    Workspace,
    WorkspaceTemplate,
)
from reconciler.model.recorded import key_text

_WS_DEFAULTS = ClusterWorkspaces()
_QUOTA_DEFAULTS = ResourceQuota()


def _members(entries: Iterable[Mapping[str, Any]]) -> tuple[Member, ...]:
    return tuple(
        Member(e["name"], e.get("role", "viewer"), i, tuple((h, e[h]) for h in GIT_HOSTS if h in e))
        for i, e in enumerate(entries)
    )


def _secret_ref(ref: Mapping[str, Any] | None) -> SecretKeyRef | None:
    if not ref:
        return None
    return SecretKeyRef(name=ref["name"], key=ref.get("key", "value"), namespace=ref.get("namespace"))


def _verdict(entry: Mapping[str, Any] | None) -> Verdict | None:
    if entry is None:
        return None
    return Verdict(by=entry.get("by", ""), at=str(entry.get("at", "")), reason=entry.get("reason", ""))


def team(doc: Document) -> Team:
    spec, access = doc.spec, doc.spec.get("access", {})
    return Team(
        doc=doc,
        name=doc.name,
        display_name=spec.get("displayName", doc.name),
        description=spec.get("description", ""),
        users=_members(access.get("users", [])),
        groups=_members(access.get("groups", [])),
    )


def cluster(doc: Document) -> Cluster:
    spec = doc.spec
    conn = spec.get("connection", {})
    ws = spec.get("workspaces", {})
    quota = ws.get("resourceQuota", {})
    tc = spec.get("tenantClusterRef")
    return Cluster(
        doc=doc,
        name=doc.name,
        labels=dict(doc.labels),
        role=spec.get("role", "tenant"),
        team=spec.get("team"),
        connection=Connection(
            context=conn.get("context"),
            in_cluster=bool(conn.get("inCluster", False)),
            kubeconfig_secret_ref=_secret_ref(conn.get("kubeconfigSecretRef")),
        ),
        tenant_cluster_ref=ObjectRef(tc["name"], tc.get("namespace")) if tc else None,
        drift=spec.get("drift", "correct"),
        workspaces=ClusterWorkspaces(
            enabled=bool(ws.get("enabled", False)),
            default_image=ws.get("defaultImage", _WS_DEFAULTS.default_image),
            max_workspaces=int(ws.get("maxWorkspaces", _WS_DEFAULTS.max_workspaces)),
            resource_quota=ResourceQuota(
                max_cpu=str(quota.get("maxCPU", _QUOTA_DEFAULTS.max_cpu)),
                max_memory=str(quota.get("maxMemory", _QUOTA_DEFAULTS.max_memory)),
                max_storage=str(quota.get("maxStorage", _QUOTA_DEFAULTS.max_storage)),
            ),
            auto_delete_after=ws.get("autoDeleteAfter", _WS_DEFAULTS.auto_delete_after),
        ),
    )


def workspace_template(doc: Document) -> WorkspaceTemplate:
    spec = doc.spec
    return WorkspaceTemplate(
        doc=doc,
        name=doc.name,
        display_name=spec.get("displayName", doc.name),
        description=spec.get("description", ""),
        category=spec.get("category", "custom"),
        scope=spec.get("scope", "team"),
        team=spec.get("team"),
        template=spec.get("template", {}),
    )


def workspace(doc: Document) -> Workspace:
    spec = doc.spec
    return Workspace(
        doc=doc,
        name=doc.name,
        team=spec["team"],
        owner=spec["owner"],
        cluster=spec["cluster"],
        template=spec.get("template"),
        spec=spec,
    )


def _artifact_version(index: int, entry: Mapping[str, Any]) -> ArtifactVersion:
    return ArtifactVersion(
        version=str(entry["version"]),
        published_by=entry.get("publishedBy", ""),
        published_at=str(entry.get("publishedAt", "")),
        approvals=tuple(
            Approval(by=a["by"], at=str(a.get("at", "")), comment=a.get("comment", ""), index=i)
            for i, a in enumerate(entry.get("approvals", []))
        ),
        rejected=_verdict(entry.get("rejected")),
        yanked=_verdict(entry.get("yanked")),
        index=index,
        data=entry,
    )


def artifact(doc: Document) -> Artifact:
    spec = doc.spec
    return Artifact(
        doc=doc,
        name=doc.name,
        type=spec["type"],
        namespace=spec["namespace"],
        registry_name=spec.get("name", doc.name),
        provider=spec.get("provider"),
        status=spec.get("status", "active"),
        team=spec.get("team"),
        approval_policy=spec.get("approvalPolicy", {}),
        versions=tuple(_artifact_version(i, v) for i, v in enumerate(spec.get("versions", []))),
    )


def policy(doc: Document) -> Policy:
    spec = doc.spec
    return Policy(
        doc=doc,
        name=doc.name,
        enforcement_level=spec.get("enforcementLevel", "block"),
        rules=spec.get("rules", {}),
        bindings=tuple(
            PolicyBinding(scope=b["scope"], value=b.get("value"), index=i)
            for i, b in enumerate(spec.get("bindings", []))
        ),
    )


def pipeline(doc: Document) -> Pipeline:
    spec = doc.spec
    return Pipeline(
        doc=doc,
        name=doc.name,
        team=spec["team"],
        description=spec.get("description", ""),
        targets=tuple(
            PipelineTarget(
                match_labels=t.get("clusters", {}).get("matchLabels", {}),
                names=tuple(t.get("clusters", {}).get("names", [])),
                role=t.get("role", "agent"),
                index=i,
            )
            for i, t in enumerate(spec.get("targets", []))
        ),
        env=tuple(
            EnvVar(name=e["name"], value=e.get("value"), secret_ref=_secret_ref(e.get("secretRef")))
            for e in spec.get("env", [])
        ),
        global_options=spec.get("global", {}),
        sources=spec.get("sources", {}),
        transforms=spec.get("transforms", {}),
        sinks=spec.get("sinks", {}),
        tests=tuple(spec.get("tests", [])),
    )


def _duplicate(doc: Document, first: Document, what: str) -> Diagnostic:
    return error(
        f"{what} is declared twice: here and at {first.location('metadata', 'name')}",
        doc.location("metadata", "name"),
        doc.subject,
        rule=rules.DUPLICATES,
    )


_BUILDERS: dict[str, Callable[[Document], Any]] = {
    "Team": team,
    "Cluster": cluster,
    "WorkspaceTemplate": workspace_template,
    "Workspace": workspace,
    "Artifact": artifact,
    "Policy": policy,
    "Pipeline": pipeline,
}


def build_table(kind: str, documents: Sequence[Document]) -> tuple[dict[Any, Any], list[Diagnostic]]:
    """The typed objects of `kind` by identity, plus an error for every identity declared twice (both places
    are named; the second is left out)."""
    build = _BUILDERS[kind]
    table: dict[Any, Any] = {}
    findings: list[Diagnostic] = []
    registry_keys: dict[tuple[str, str, str | None], Artifact] = {}
    for doc in documents:
        obj = build(doc)
        key = obj.key if isinstance(obj, Workspace) else obj.name
        if key in table:
            what = f"{doc.subject} of team {obj.team}" if isinstance(obj, Workspace) else doc.subject
            findings.append(_duplicate(doc, table[key].doc, what))
            findings.append(_duplicate(table[key].doc, doc, what))
            continue
        if isinstance(obj, Artifact):
            other = registry_keys.get(obj.registry_key)
            if other is not None:
                findings.append(
                    error(
                        f"registry key {key_text(obj.registry_key)} is already used by {other.doc.subject} "
                        f"at {other.doc.location('spec')}",
                        doc.location("spec", "namespace"),
                        doc.subject,
                        rule=rules.REGISTRY_KEYS,
                    )
                )
                continue
            registry_keys[obj.registry_key] = obj
        table[key] = obj
    return table, findings


def model_of(documents: Iterable[Document]) -> RepoModel:
    """The typed model of schema-valid documents; each kind is built when first read."""
    by_kind: dict[str, list[Document]] = {}
    for doc in documents:
        by_kind.setdefault(doc.kind, []).append(doc)
    return RepoModel(by_kind, build_table)


def build_model(documents: Iterable[Document]) -> tuple[RepoModel, list[Diagnostic]]:
    """The typed model, every kind built, plus an error for every identity declared twice."""
    model = model_of(documents)
    return model, [finding for kind in KINDS for finding in model.duplicates(kind)]
