"""Cluster documents that reach the same API server: an object both want is contested, and applied by neither
(whichever ran last would win, and each would undo the other on every run)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from reconciler.kube.objects import ObjectKey


def server_identity(url: str) -> str:
    """One API server, however its URL is spelled in a kubeconfig."""
    return url.strip().rstrip("/").lower()


def contested_objects(
    servers: Mapping[str, str], desired: Mapping[str, Iterable[ObjectKey]]
) -> dict[str, dict[ObjectKey, str]]:
    """Per Cluster document: its desired objects that another Cluster document on its server wants too, each
    with the other's names. `servers` maps a Cluster document to its server's identity."""
    by_server: dict[str, list[str]] = defaultdict(list)
    for cluster, server in servers.items():
        by_server[server].append(cluster)
    contested: dict[str, dict[ObjectKey, str]] = {}
    for clusters in by_server.values():
        if len(clusters) < 2:
            continue
        wanted_by: dict[ObjectKey, list[str]] = defaultdict(list)
        for cluster in sorted(clusters):
            for key in desired.get(cluster, ()):
                wanted_by[key].append(cluster)
        for key, wanting in wanted_by.items():
            for cluster in wanting if len(wanting) > 1 else ():
                others = ", ".join(c for c in wanting if c != cluster)
                contested.setdefault(cluster, {})[key] = others
    return contested
