"""Typed views of the repo kinds, built from schema-valid documents.

Field names follow the YAML (EXAMPLES.md / schemas/); defaults are the ones the schemas document. Each object
keeps its `Document` so later steps can point at the exact line of any field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from reconciler.collector import long_lived
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.document import Document
from reconciler.model.ownership import DriftMode

Role = Literal["admin", "operator", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "operator", "viewer")
APPROVER_ROLES: frozenset[str] = frozenset({"admin", "operator"})
GitHost = Literal["github", "gitlab"]
GIT_HOSTS: tuple[GitHost, ...] = ("github", "gitlab")  # the login fields of a Team's users


@dataclass(slots=True)
class Member:
    name: str  # an email for users, a group name for groups
    role: Role
    index: int  # position in its list, for locating it
    logins: tuple[tuple[GitHost, str], ...] = ()  # (Git host, the user's login there), for users only

    def login(self, host: GitHost) -> str | None:
        return next((login for h, login in self.logins if h == host), None)


@dataclass(slots=True)
class Team:
    doc: Document
    name: str
    display_name: str
    description: str
    users: tuple[Member, ...]
    groups: tuple[Member, ...]
    # lower-cased email → role, derived from `users` (the first entry of a user wins)
    roles: Mapping[str, Role] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        roles: dict[str, Role] = {}
        for member in self.users:
            roles.setdefault(member.name.lower(), member.role)
        object.__setattr__(self, "roles", roles)

    def role_of(self, email: str) -> Role | None:
        """The user's role in this team (emails compare case-insensitively)."""
        return self.roles.get(email.lower())

    def may_approve(self, email: str) -> bool:
        return self.role_of(email) in APPROVER_ROLES


@dataclass(slots=True)
class SecretKeyRef:
    name: str
    key: str
    namespace: str | None = None


@dataclass(slots=True)
class ObjectRef:
    name: str
    namespace: str | None = None


@dataclass(slots=True)
class Connection:
    context: str | None = None
    in_cluster: bool = False
    kubeconfig_secret_ref: SecretKeyRef | None = None


@dataclass(slots=True)
class ResourceQuota:
    max_cpu: str = "16"
    max_memory: str = "32Gi"
    max_storage: str = "500Gi"


@dataclass(slots=True)
class ClusterWorkspaces:
    enabled: bool = False
    default_image: str = "ghcr.io/butlerdotdev/workspace-base:latest"
    max_workspaces: int = 20
    resource_quota: ResourceQuota = field(default_factory=ResourceQuota)
    auto_delete_after: str = "720h"


@dataclass(slots=True)
class Cluster:
    doc: Document
    name: str
    labels: Mapping[str, str]
    role: Literal["management", "tenant"]
    team: str | None
    connection: Connection
    tenant_cluster_ref: ObjectRef | None
    drift: DriftMode
    workspaces: ClusterWorkspaces


@dataclass(slots=True)
class WorkspaceTemplate:
    doc: Document
    name: str
    display_name: str
    description: str
    category: str
    scope: Literal["cluster", "team"]
    team: str | None
    template: Mapping[str, Any]  # Butler's template block, copied into workspaces as defaults


@dataclass(slots=True)
class Workspace:
    doc: Document
    name: str
    team: str
    owner: str
    cluster: str
    template: str | None
    spec: Mapping[str, Any]  # the rest of Butler's Workspace spec, as written

    @property
    def key(self) -> tuple[str, str]:
        return (self.team, self.name)


@dataclass(slots=True)
class Approval:
    by: str
    at: str
    comment: str
    index: int


@dataclass(slots=True)
class Verdict:
    """A rejection or a yank: who, when and why."""

    by: str
    at: str
    reason: str


@dataclass(slots=True)
class ArtifactVersion:
    version: str
    published_by: str
    published_at: str
    approvals: tuple[Approval, ...]
    rejected: Verdict | None
    yanked: Verdict | None
    index: int  # position in spec.versions
    data: Mapping[str, Any]  # the whole entry as written (changelog, digest, metadata, ...)


@dataclass(slots=True)
class Artifact:
    doc: Document
    name: str
    type: str
    namespace: str
    registry_name: str
    provider: str | None
    status: Literal["active", "deprecated"]
    team: str | None
    approval_policy: Mapping[str, Any]
    versions: tuple[ArtifactVersion, ...]

    @property
    def registry_key(self) -> tuple[str, str, str | None]:
        return (self.namespace, self.registry_name, self.provider)


@dataclass(slots=True)
class PolicyBinding:
    scope: Literal["global", "team", "namespace", "artifact"]
    value: str | None
    index: int


@dataclass(slots=True)
class Policy:
    doc: Document
    name: str
    enforcement_level: Literal["block", "warn", "audit"]
    rules: Mapping[str, Any]
    bindings: tuple[PolicyBinding, ...]


@dataclass(slots=True)
class PipelineTarget:
    match_labels: Mapping[str, str]
    names: tuple[str, ...]  # explicit cluster names, when given
    role: Literal["agent", "aggregator"]
    index: int


@dataclass(slots=True)
class EnvVar:
    name: str
    value: str | None
    secret_ref: SecretKeyRef | None


@dataclass(slots=True)
class Pipeline:
    doc: Document
    name: str
    team: str
    description: str
    targets: tuple[PipelineTarget, ...]
    env: tuple[EnvVar, ...]
    global_options: Mapping[str, Any]
    sources: Mapping[str, Mapping[str, Any]]
    transforms: Mapping[str, Mapping[str, Any]]
    sinks: Mapping[str, Mapping[str, Any]]
    tests: tuple[Mapping[str, Any], ...]


# A kind's documents → its table (by identity) and the findings of identities declared twice.
TableBuilder = Callable[[str, Sequence[Document]], tuple[dict[Any, Any], list[Diagnostic]]]

KINDS = ("Team", "Cluster", "WorkspaceTemplate", "Workspace", "Artifact", "Policy", "Pipeline")


class RepoModel:
    """Everything a commit declares, by identity. Only schema-valid documents get here.

    Each kind's table is built from its documents the first time it is read: a run that re-checks one edited
    document builds only the kinds the checks it re-runs read (see `reconciler.validate.memo`)."""

    __slots__ = ("_build", "_documents", "_duplicates", "_selected", "_tables")

    def __init__(
        self,
        documents: Mapping[str, Sequence[Document]] | None = None,
        build: TableBuilder | None = None,
        tables: Mapping[str, dict[Any, Any]] | None = None,
    ) -> None:
        self._documents = documents or {}
        self._build = build
        self._tables: dict[str, dict[Any, Any]] = dict(tables or {})
        self._duplicates: dict[str, list[Diagnostic]] = {}
        # Selector → the clusters it selects, filled on first use: pipelines are many, distinct selectors few,
        # and scanning every cluster for each target would cost pipelines × clusters.
        self._selected: dict[tuple[tuple[str, ...], frozenset[tuple[str, str]]], tuple[Cluster, ...]] = {}

    def table(self, kind: str) -> dict[Any, Any]:
        table = self._tables.get(kind)
        if table is None:
            documents = self._documents.get(kind, ())
            if self._build is None or not documents:
                table, duplicates = {}, []
            else:
                with long_lived():  # as long as the model: out of the collector's walks
                    table, duplicates = self._build(kind, documents)
            self._tables[kind], self._duplicates[kind] = table, duplicates
        return table

    def documents_of(self, kind: str) -> Sequence[Document]:
        """The schema-valid documents of `kind`, duplicates included, in the order they were read."""
        return self._documents.get(kind, ())

    def duplicates(self, kind: str) -> list[Diagnostic]:
        """An error at both places of each identity of `kind` declared twice (the second is left out)."""
        self.table(kind)
        return self._duplicates.get(kind, [])

    def with_clusters(self, clusters: dict[str, Cluster]) -> RepoModel:
        """This model with only `clusters` (the other kinds' tables shared)."""
        tables = {kind: self.table(kind) for kind in KINDS if kind != "Cluster"}
        return RepoModel(tables={**tables, "Cluster": clusters})

    @property
    def teams(self) -> dict[str, Team]:
        return self.table("Team")

    @property
    def clusters(self) -> dict[str, Cluster]:
        return self.table("Cluster")

    @property
    def workspace_templates(self) -> dict[str, WorkspaceTemplate]:
        return self.table("WorkspaceTemplate")

    @property
    def workspaces(self) -> dict[tuple[str, str], Workspace]:
        return self.table("Workspace")

    @property
    def artifacts(self) -> dict[str, Artifact]:
        return self.table("Artifact")

    @property
    def policies(self) -> dict[str, Policy]:
        return self.table("Policy")

    @property
    def pipelines(self) -> dict[str, Pipeline]:
        return self.table("Pipeline")

    @property
    def management_cluster(self) -> Cluster | None:
        return next((c for c in self.clusters.values() if c.role == "management"), None)

    def clusters_matching(self, target: PipelineTarget) -> list[Cluster]:
        """Clusters a pipeline target selects: by name when names are given, else by labels (in declaration order)."""
        key = (target.names, frozenset(target.match_labels.items()))
        selected = self._selected.get(key)
        if selected is None:
            if target.names:
                selected = tuple(self.clusters[n] for n in target.names if n in self.clusters)
            else:
                wanted = target.match_labels.items()
                selected = tuple(c for c in self.clusters.values() if all(c.labels.get(k) == v for k, v in wanted))
            self._selected[key] = selected
        return list(selected)
