"""Butler's kinds as registered in code match the upstream CRDs (when ../shared/upstream is present)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.emulator.conftest import Cluster
from tests.kube_emulator.fixtures import EmulatorCluster
from tests.kube_emulator.resources import butler_resource_types, resource_types_from_crd

UPSTREAM_CRDS = Path(__file__).resolve().parents[3] / "shared" / "upstream" / "butler-crds"
CRD_FILES = sorted(UPSTREAM_CRDS.glob("*.yaml")) if UPSTREAM_CRDS.is_dir() else []

needs_upstream = pytest.mark.skipif(not CRD_FILES, reason="../shared/upstream/butler-crds is not present")


@needs_upstream
def test_registered_butler_kinds_match_the_upstream_crds() -> None:
    from_upstream = {
        rt.kind: rt for path in CRD_FILES for rt in resource_types_from_crd(yaml.safe_load(path.read_text()))
    }
    in_code = {rt.kind: rt for rt in butler_resource_types()}
    assert set(in_code) == set(from_upstream)
    for kind, upstream in from_upstream.items():
        ours = in_code[kind]
        assert (ours.group, ours.version, ours.plural, ours.singular) == (
            upstream.group, upstream.version, upstream.plural, upstream.singular,
        )  # fmt: skip
        assert ours.namespaced == upstream.namespaced, kind
        assert ours.short_names == upstream.short_names, kind
        assert ours.has_status == upstream.has_status, kind
        assert dict(ours.list_map_keys) == dict(upstream.list_map_keys), kind


@needs_upstream
def test_kubectl_applies_the_upstream_crds_and_their_kinds_appear(kube_emulators: EmulatorCluster) -> None:
    (bare,) = kube_emulators("cluster", butler_kinds=False)
    cluster = Cluster(bare, kube_emulators.kubeconfig, kube_emulators.api_client("cluster"))
    for path in CRD_FILES:
        result = cluster.kubectl("apply", "--server-side", "--validate=false", "-f", str(path))
        assert result.returncode == 0, result.stderr
    listed = cluster.kubectl("get", "crds", "-o", "name")
    assert len(listed.stdout.split()) == len(CRD_FILES)
    manifest = "apiVersion: butler.butlerlabs.dev/v1alpha1\nkind: Team\nmetadata: {name: core}\nspec: {}\n"
    result = cluster.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=manifest)
    assert result.returncode == 0, result.stderr
    assert cluster.kubectl("get", "tm", "-o", "name").stdout == "team.butler.butlerlabs.dev/core\n"
    # Re-applying the same CRDs is a no-op: nothing changes, so no resourceVersion moves.
    before = cluster.raw("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")[1]["metadata"]
    for path in CRD_FILES:
        assert cluster.kubectl("apply", "--server-side", "--validate=false", "-f", str(path)).returncode == 0
    after = cluster.raw("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")[1]["metadata"]
    assert after["resourceVersion"] == before["resourceVersion"]
