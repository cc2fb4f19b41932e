"""The kinds the emulator serves, with the names, scope and list semantics a real API server publishes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALL_VERBS: tuple[str, ...] = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
STATUS_VERBS: tuple[str, ...] = ("get", "patch", "update")

# Associative lists of the built-in kinds (patchMergeKey / listMapKeys in the upstream Go types),
# indexed by field name: the emulator does not carry OpenAPI, and these names are unambiguous enough.
BUILTIN_LIST_MAP_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "imagePullSecrets": ("name",),
    "hostAliases": ("ip",),
    "conditions": ("type",),
    "versions": ("name",),
}
# `ports` is keyed differently in a container (containerPort) and in a Service (port): decided per item.
CONTAINER_PORT_KEYS: tuple[str, ...] = ("containerPort", "protocol")
SERVICE_PORT_KEYS: tuple[str, ...] = ("port", "protocol")
# Lists that hold a set of scalars (listType=set).
SET_LISTS: frozenset[str] = frozenset({"finalizers"})
# Metadata lists follow the same rules for every kind, custom or not.
METADATA_LIST_MAP_KEYS: dict[str, tuple[str, ...]] = {"ownerReferences": ("uid",)}

SchemaPath = tuple[str, ...]
# Map-typed (not struct) fields of the built-in kinds, by name.
BUILTIN_MAP_FIELDS: frozenset[str] = frozenset(
    {"labels", "annotations", "data", "binaryData", "stringData", "matchLabels", "nodeSelector"}
)


@dataclass(frozen=True)
class ResourceType:
    """One resource (plural name) of one group/version, as discovery describes it."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    has_status: bool = False
    # Whether metadata.generation exists and counts spec changes (Deployments, CRDs, custom resources).
    has_generation: bool = False
    verbs: tuple[str, ...] = ALL_VERBS
    builtin: bool = True
    # For custom resources: x-kubernetes-list-type=map/set lists, by schema path ('spec', 'environments').
    list_map_keys: Mapping[SchemaPath, tuple[str, ...]] = field(default_factory=dict)
    set_lists: frozenset[SchemaPath] = frozenset()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> str:
        """`deployments.apps` — how error messages name a resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def is_map_field(self, path: SchemaPath) -> bool:
        """Whether the object at `path` is a map (free keys) rather than a struct, as the schema would say."""
        if not path:
            return False
        if path[0] == "metadata":
            return len(path) == 2 and path[1] in ("labels", "annotations")
        if self.builtin:
            return path[-1] in BUILTIN_MAP_FIELDS
        return True  # custom resources without a structural schema here: every object is a map

    def list_keys(self, path: SchemaPath, items: list[Any]) -> tuple[str, ...] | str | None:
        """How the list at `path` (field names only) merges: its map keys, "set", or None for atomic."""
        name = path[-1] if path else ""
        if len(path) == 2 and path[0] == "metadata":
            if name in METADATA_LIST_MAP_KEYS:
                return METADATA_LIST_MAP_KEYS[name]
            if name in SET_LISTS:
                return "set"
            return None
        if not self.builtin:
            if path in self.set_lists:
                return "set"
            return self.list_map_keys.get(path)
        if name in SET_LISTS:
            return "set"
        if name == "ports":
            if items and all(isinstance(item, dict) and "containerPort" in item for item in items):
                return CONTAINER_PORT_KEYS
            return SERVICE_PORT_KEYS
        return BUILTIN_LIST_MAP_KEYS.get(name)


def _builtin(
    group_version: str,
    kind: str,
    plural: str,
    *,
    namespaced: bool = True,
    short: tuple[str, ...] = (),
    status: bool = False,
    generation: bool = False,
    all_category: bool = False,
    verbs: tuple[str, ...] = ALL_VERBS,
) -> ResourceType:
    group, _, version = group_version.rpartition("/")
    return ResourceType(
        group, version, kind, plural, kind.lower(), namespaced, short_names=short,
        categories=("all",) if all_category else (), has_status=status, has_generation=generation, verbs=verbs,
    )  # fmt: skip


def _workload(group_version: str, kind: str, plural: str, short: tuple[str, ...] = ()) -> ResourceType:
    """Controllers' objects: a status subresource, a generation, and part of `kubectl get all`."""
    return _builtin(group_version, kind, plural, short=short, status=True, generation=True, all_category=True)


NO_DELETECOLLECTION = tuple(verb for verb in ALL_VERBS if verb != "deletecollection")


def builtin_resource_types() -> list[ResourceType]:
    """The built-in kinds, with the scope, short names, subresources and verbs of kube-apiserver 1.32."""
    rbac, networking = "rbac.authorization.k8s.io/v1", "networking.k8s.io/v1"
    return [
        _builtin("v1", "Namespace", "namespaces", namespaced=False, short=("ns",), status=True,
                 verbs=NO_DELETECOLLECTION),
        _builtin("v1", "ConfigMap", "configmaps", short=("cm",)),
        _builtin("v1", "Secret", "secrets"),
        _builtin("v1", "ServiceAccount", "serviceaccounts", short=("sa",)),
        _builtin("v1", "Service", "services", short=("svc",), status=True, all_category=True,
                 verbs=NO_DELETECOLLECTION),
        _builtin("v1", "Pod", "pods", short=("po",), status=True, all_category=True),
        _builtin("v1", "Event", "events", short=("ev",)),
        _builtin("v1", "Endpoints", "endpoints", short=("ep",)),
        _builtin("v1", "PersistentVolumeClaim", "persistentvolumeclaims", short=("pvc",), status=True),
        _workload("apps/v1", "Deployment", "deployments", ("deploy",)),
        _workload("apps/v1", "DaemonSet", "daemonsets", ("ds",)),
        _workload("apps/v1", "StatefulSet", "statefulsets", ("sts",)),
        _workload("apps/v1", "ReplicaSet", "replicasets", ("rs",)),
        _workload("batch/v1", "Job", "jobs"),
        _workload("batch/v1", "CronJob", "cronjobs", ("cj",)),
        _builtin(networking, "Ingress", "ingresses", short=("ing",), status=True, generation=True),
        _builtin(networking, "NetworkPolicy", "networkpolicies", short=("netpol",), generation=True),
        _builtin("events.k8s.io/v1", "Event", "events", short=("ev",)),
        _builtin(rbac, "Role", "roles"),
        _builtin(rbac, "RoleBinding", "rolebindings"),
        _builtin(rbac, "ClusterRole", "clusterroles", namespaced=False),
        _builtin(rbac, "ClusterRoleBinding", "clusterrolebindings", namespaced=False),
        _builtin("coordination.k8s.io/v1", "Lease", "leases"),
        _builtin("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", short=("pdb",), status=True,
                 generation=True),
        _builtin("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions",
                 namespaced=False, short=("crd", "crds"), status=True, generation=True),
    ]  # fmt: skip


BUTLER_GROUP = "butler.butlerlabs.dev"
BUTLER_VERSION = "v1alpha1"


def butler_resource_types() -> list[ResourceType]:
    """Butler's kinds as its CRDs (upstream butler-crds) declare them, for a cluster with Butler installed."""
    conditions: dict[SchemaPath, tuple[str, ...]] = {("status", "conditions"): ("type",)}

    def butler(
        kind: str,
        short: str,
        namespaced: bool,
        has_status: bool = True,
        keys: Mapping[SchemaPath, tuple[str, ...]] = conditions,
    ) -> ResourceType:
        return ResourceType(
            BUTLER_GROUP,
            BUTLER_VERSION,
            kind,
            kind.lower() + "s",
            kind.lower(),
            namespaced,
            short_names=(short,),
            has_status=has_status,
            has_generation=True,
            builtin=False,
            list_map_keys=dict(keys),
        )

    return [
        butler("Workspace", "ws", True),
        butler("WorkspaceTemplate", "wst", True, has_status=False, keys={}),
        butler("TenantCluster", "tc", True),
        butler("Team", "tm", False, keys={**conditions, ("spec", "environments"): ("name",)}),
        butler("User", "usr", False, keys={}),
        butler("TenantAddon", "ta", True),
    ]


def _schema_list_types(schema: Any, path: SchemaPath = ()) -> Iterable[tuple[SchemaPath, str, tuple[str, ...]]]:
    if not isinstance(schema, dict):
        return
    list_type = schema.get("x-kubernetes-list-type")
    if list_type in ("map", "set"):
        yield path, list_type, tuple(schema.get("x-kubernetes-list-map-keys") or ())
    for name, sub in (schema.get("properties") or {}).items():
        yield from _schema_list_types(sub, (*path, name))
    if isinstance(schema.get("items"), dict):
        yield from _schema_list_types(schema["items"], path)


def resource_types_from_crd(crd: Mapping[str, Any]) -> list[ResourceType]:
    """What a CustomResourceDefinition object makes the server serve (one entry per served version)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    kind = names.get("kind") or ""
    plural = names.get("plural") or kind.lower() + "s"
    result: list[ResourceType] = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        schema = ((version.get("schema") or {}).get("openAPIV3Schema")) or {}
        map_keys: dict[SchemaPath, tuple[str, ...]] = {}
        set_lists: set[SchemaPath] = set()
        for path, list_type, keys in _schema_list_types(schema):
            if list_type == "map":
                map_keys[path] = keys
            else:
                set_lists.add(path)
        result.append(
            ResourceType(
                group=spec.get("group") or "",
                version=version.get("name") or "v1",
                kind=kind,
                plural=plural,
                singular=names.get("singular") or kind.lower(),
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                has_status="status" in (version.get("subresources") or {}),
                has_generation=True,
                builtin=False,
                list_map_keys=map_keys,
                set_lists=frozenset(set_lists),
            )
        )
    return result


class ResourceRegistry:
    """The resource types currently served, looked up by group/version/plural or kind."""

    def __init__(self, types: Iterable[ResourceType] = ()) -> None:
        self._types: dict[tuple[str, str, str], ResourceType] = {}
        for resource_type in types:
            self.add(resource_type)

    def add(self, resource_type: ResourceType) -> None:
        self._types[(resource_type.group, resource_type.version, resource_type.plural)] = resource_type

    def remove(self, group: str, plural: str) -> list[ResourceType]:
        removed = [rt for key, rt in self._types.items() if key[0] == group and key[2] == plural]
        for resource_type in removed:
            del self._types[(resource_type.group, resource_type.version, resource_type.plural)]
        return removed

    def get(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._types.get((group, version, plural))

    def all(self) -> list[ResourceType]:
        return list(self._types.values())

    def group_versions(self) -> dict[str, list[str]]:
        """Group name → served versions (the core group is '')."""
        result: dict[str, list[str]] = {}
        for group, version, _ in self._types:
            versions = result.setdefault(group, [])
            if version not in versions:
                versions.append(version)
        return result

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [rt for (g, v, _), rt in self._types.items() if g == group and v == version]
