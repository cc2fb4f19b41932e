"""Where each kind lives on a cluster's API: its plural and scope, from discovery, asked once per group-version."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from reconciler.kube.client import KubeClient, KubeError, object_path
from reconciler.kube.objects import ObjectKey


class KindUnavailable(Exception):
    """A kind that cannot be used on this cluster now."""


class UnknownKind(KindUnavailable):
    """The cluster does not serve this kind (a CRD that is not installed): none of its objects can exist."""


class DiscoveryFailed(KindUnavailable):
    """The cluster would not say whether it serves this kind (403, or an aggregated API that is down).

    Never read as "not served": objects of the kind may well be live, so nothing about them is concluded.
    """


@dataclass(frozen=True, slots=True)
class Resource:
    api_version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def base(self) -> str:
        return f"/apis/{self.api_version}" if "/" in self.api_version else f"/api/{self.api_version}"

    def collection_path(self) -> str:
        """All objects of this kind, in every namespace."""
        return object_path(self.base, self.plural, "")

    def path(self, key: ObjectKey) -> str:
        return object_path(self.base, self.plural, key.namespace if self.namespaced else "", key.name)


class Discovery:
    """Per-cluster resource lookup. A group-version that is missing is asked again later: a CRD may arrive."""

    def __init__(self, client: KubeClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._served: dict[str, dict[str, Resource]] = {}
        self._failed: dict[str, DiscoveryFailed] = {}  # asked once per run: its retries took long enough

    def resource(self, api_version: str, kind: str) -> Resource:
        with self._lock:
            if api_version in self._failed:
                raise self._failed[api_version]
            kinds = self._served.get(api_version)
            if kinds is None or kind not in kinds:
                try:
                    kinds = self._discover(api_version)
                except DiscoveryFailed as exc:
                    self._failed[api_version] = exc
                    raise
                if kinds:
                    self._served[api_version] = kinds
        found = kinds.get(kind)
        if found is None:
            raise UnknownKind(f"the cluster does not serve {kind} in {api_version} (is its CRD installed?)")
        return found

    def resource_of(self, key: ObjectKey) -> Resource:
        return self.resource(key.api_version, key.kind)

    def forget(self) -> None:
        """After CRDs were applied: their kinds may be served now."""
        with self._lock:
            self._served.clear()
            self._failed.clear()

    def _discover(self, api_version: str) -> dict[str, Resource]:
        base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
        try:
            document = self._client.get(base)  # None: 404, the group-version is not served
        except KubeError as exc:
            raise DiscoveryFailed(f"discovery of {api_version} failed: {exc}") from None
        resources: dict[str, Resource] = {}
        for entry in (document or {}).get("resources") or []:
            name = str(entry.get("name", ""))
            if "/" in name:  # subresources such as deployments/status
                continue
            resources.setdefault(
                str(entry.get("kind")),
                Resource(api_version, str(entry.get("kind")), name, bool(entry.get("namespaced"))),
            )
        return resources
