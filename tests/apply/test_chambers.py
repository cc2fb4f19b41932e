"""Workspace and WorkspaceTemplate documents compile to Butler's CRs, valid against Butler's own CRD schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from reconciler.chambers import desired_objects
from reconciler.chambers.resources import CRD_DEFAULTS, sanitized_owner
from reconciler.load.sources import working_tree
from reconciler.model.kinds import RepoModel
from reconciler.validate import validate_source
from tests.conftest import REPO_ROOT, UPSTREAM, PortalRun

BUTLER_CRDS = UPSTREAM / "butler-crds"


@pytest.fixture(scope="module")
def model() -> RepoModel:
    validation = validate_source(working_tree(REPO_ROOT / "repo-template"))
    assert not validation.errors
    return validation.model


@pytest.fixture(scope="module")
def compiled(model: RepoModel) -> dict[tuple[str, str], dict[str, Any]]:
    (cluster, objects), *rest = desired_objects(model, "default").items()
    assert cluster == "mgmt" and not rest
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def _crd_schema(plural: str) -> dict[str, Any]:
    path = BUTLER_CRDS / f"{plural}.yaml"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    crd = yaml.safe_load(path.read_text())
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def test_a_workspace_goes_to_its_tenant_clusters_namespace_with_butlers_labels(compiled: dict) -> None:
    workspace = compiled[("Workspace", "omar-oncall")]
    assert workspace["apiVersion"] == "butler.butlerlabs.dev/v1alpha1"
    assert workspace["metadata"]["namespace"] == "team-platform"
    assert workspace["spec"]["clusterRef"] == {"name": "prd-eu-1"}
    labels = workspace["metadata"]["labels"]
    assert labels["butler.butlerlabs.dev/tenant"] == "prd-eu-1"
    assert labels["butler.butlerlabs.dev/workspace-owner"] == "omar-at-acme.dev"
    assert labels["portal.butlerlabs.dev/instance"] == "default"
    assert workspace["spec"]["owner"] == "omar@acme.dev"
    assert not {"team", "cluster", "template"} & workspace["spec"].keys()


def test_defaults_come_from_the_template_then_the_cluster_then_the_crd(compiled: dict) -> None:
    from_template = compiled[("Workspace", "alice-ledger")]["spec"]
    assert from_template["image"] == "golang:1.23"
    assert from_template["repositories"] == [{"url": "https://github.com/acme/ledger", "branch": "main"}]
    assert from_template["storageSize"] == "20Gi"
    assert from_template["idleTimeout"] == CRD_DEFAULTS["idleTimeout"]
    overridden = compiled[("Workspace", "dana-notebooks")]["spec"]
    assert overridden["storageSize"] == "50Gi"  # its own value over the template's
    assert overridden["repositories"] == [{"url": "https://github.com/acme/analytics-notebooks", "name": "notebooks"}]
    from_cluster = compiled[("Workspace", "priya-platform-tools")]["spec"]
    assert from_cluster["image"] == "ghcr.io/butlerdotdev/workspace-base:latest"
    assert from_cluster["autoStopAfter"] == "0"


def test_templates_live_in_butler_system_or_their_teams_namespace(compiled: dict) -> None:
    assert compiled[("WorkspaceTemplate", "python-data")]["metadata"]["namespace"] == "butler-system"
    go_dev = compiled[("WorkspaceTemplate", "go-dev")]
    assert go_dev["metadata"]["namespace"] == "team-payments"
    assert go_dev["spec"]["scope"] == "team" and go_dev["spec"]["displayName"] == "Go development"


@pytest.mark.parametrize(("kind", "plural"), [("Workspace", "workspaces"), ("WorkspaceTemplate", "workspacetemplates")])
def test_compiled_resources_are_valid_against_butlers_crd(compiled: dict, kind: str, plural: str) -> None:
    schema = _crd_schema(plural)
    objects = [o for (k, _), o in compiled.items() if k == kind]
    assert objects
    for obj in objects:
        jsonschema.validate(obj, schema)


def test_our_crd_defaults_are_butlers(compiled: dict) -> None:
    spec = _crd_schema("workspaces")["properties"]["spec"]["properties"]
    assert CRD_DEFAULTS["idleTimeout"] == spec["idleTimeout"]["default"]
    assert CRD_DEFAULTS["autoStopAfter"] == spec["autoStopAfter"]["default"]
    assert CRD_DEFAULTS["storageSize"] == spec["storageSize"]["default"]
    resources = spec["resources"]["properties"]
    assert CRD_DEFAULTS["resources"] == {k: resources[k]["default"] for k in ("cpu", "memory")}


@pytest.mark.parametrize(
    ("email", "label"),
    [
        ("alice@acme.dev", "alice-at-acme.dev"),
        ("Bob+ops@Acme.DEV", "bob-ops-at-acme.dev"),
        ("x" * 80 + "@a.b", "x" * 63),
    ],
)
def test_owner_labels_are_valid_label_values(email: str, label: str) -> None:
    assert sanitized_owner(email) == label


def test_compile_writes_them_into_the_management_clusters_manifests(portal: Any, tmp_path: Path) -> None:
    run: PortalRun = portal("compile", REPO_ROOT / "repo-template", "--out", tmp_path / "out")
    assert run.code == 0, run.err
    documents = list(yaml.safe_load_all((tmp_path / "out/clusters/mgmt/manifests.yaml").read_text()))
    kinds = sorted(d["kind"] for d in documents if d)
    assert kinds == ["Workspace"] * 5 + ["WorkspaceTemplate"] * 2
