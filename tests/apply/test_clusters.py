"""Which clusters a reconcile or plan reaches, in which order: the kube layer decides, not the command line."""

from __future__ import annotations

import pytest

from reconciler.kube.clusters import UnknownCluster, select_clusters
from tests.herald.builders import HEADER, model_of


def cluster(name: str, role: str) -> str:
    return (
        HEADER + f"kind: Cluster\nmetadata: {{name: {name}}}\nspec: {{role: {role}, connection: {{context: {name}}}}}\n"
    )


MODEL = model_of(cluster("b-tenant", "tenant"), cluster("z-mgmt", "management"), cluster("a-tenant", "tenant"))


def test_the_management_cluster_comes_first_then_by_name() -> None:
    assert [c.name for c in select_clusters(MODEL, ())] == ["z-mgmt", "a-tenant", "b-tenant"]
    assert [c.name for c in select_clusters(MODEL, ("b-tenant", "z-mgmt"))] == ["z-mgmt", "b-tenant"]


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownCluster, match=r"no Cluster named nope \(known: a-tenant, b-tenant, z-mgmt\)"):
        select_clusters(MODEL, ("a-tenant", "nope"))
