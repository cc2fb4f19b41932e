"""Which clusters a reconcile or plan reaches, in which order: the kube layer decides, not the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.kube.clusters import UnknownCluster, select_clusters
from reconciler.kube.connect import context_servers
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


def test_servers_of_clusters_not_reached_are_read_without_running_their_credential_plugins(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\n"
        "clusters:\n- {name: one, cluster: {server: 'https://10.0.0.1:6443/'}}\n"
        "contexts:\n- {name: a, context: {cluster: one, user: u}}\n- {name: b, context: {cluster: gone, user: u}}\n"
        f"users:\n- name: u\n  user:\n    exec: {{command: touch, args: [{marker}], "
        "apiVersion: client.authentication.k8s.io/v1}\n"
    )
    assert context_servers(str(kubeconfig)) == {"a": "https://10.0.0.1:6443/"}
    assert not marker.exists()
    assert context_servers(str(tmp_path / "missing")) == {}
