"""Two documents that compile to one Kubernetes object are an error naming both, whatever their kinds; the
identities validation checks are exactly those of the compiled objects."""

from __future__ import annotations

from pathlib import Path

from reconciler.build import build
from reconciler.kube.objects import key_of
from reconciler.load.sources import working_tree
from reconciler.model.identity import CompiledIdentity, ObjectKey
from reconciler.validate import validate_source
from reconciler.validate.identities import PRODUCERS, collisions, compiled_identities
from tests.apply.conftest import Platform
from tests.conftest import REPO_ROOT, run_portal_in_process

SECOND_ALICE = """apiVersion: portal.butlerlabs.dev/v1alpha1
kind: Workspace
metadata:
  name: alice-ledger
spec:
  team: platform
  owner: priya@acme.dev
  cluster: prd-eu-1
  resources: {cpu: "1", memory: 1Gi}
  sshPublicKeys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEZa16YJ6KfdEj6kfe37D1fiUsKA20hZoFNEoCaEBQ14 priya@macbook
"""


def test_the_identities_are_those_of_the_compiled_objects(tmp_path: Path) -> None:
    built = build(validate_source(working_tree(REPO_ROOT / "repo-template"), state_dir=tmp_path))
    model = built.model
    # Every producer the build uses: one added there without its identities fails here.
    compiled = built.manifests
    objects = {(cluster, key_of(o)) for cluster, objs in compiled.items() for o in objs}
    identities = [(i.cluster, i.key) for i in compiled_identities(model)]
    assert len(identities) == len(set(identities))
    assert set(identities) == objects
    assert any(key.kind == "ClusterRole" for _, key in identities)  # the agent reads kubernetes_logs


def test_no_two_producers_make_objects_of_one_kind(tmp_path: Path) -> None:
    """Why validation checks each producer's objects apart: objects of two producers never meet."""
    model = validate_source(working_tree(REPO_ROOT / "repo-template"), state_dir=tmp_path).model
    kinds = {name: {(i.key.api_version, i.key.kind) for i in produce(model)} for name, produce in PRODUCERS.items()}
    assert set(kinds) == {"chambers", "herald"} and all(kinds.values())
    assert not kinds["chambers"] & kinds["herald"]


def test_workspaces_on_two_tenant_clusters_sharing_a_namespace_are_an_error_naming_both(platform: Platform) -> None:
    platform.write("workspaces/alice-ledger-prd.yaml", SECOND_ALICE)
    run = run_portal_in_process("validate", platform.repo)
    assert run.code == 1, run.out
    assert (
        "workspaces/alice-ledger-prd.yaml:4:3: error: Workspace/alice-ledger: compiles to Workspace "
        "team-platform/alice-ledger on Cluster 'mgmt', as does Workspace/alice-ledger at "
        "workspaces/alice-ledger.yaml:6:3; rename one of them"
    ) in run.out
    assert "as does Workspace/alice-ledger at workspaces/alice-ledger-prd.yaml:4:3" in run.out

    platform.reset_counters()
    assert platform.reconcile().code == 1
    assert platform.plan().code == 2
    assert sum(e.requests.total for e in platform.cluster.emulators.values()) == 0
    assert run_portal_in_process("compile", platform.repo, "--out", platform.repo.parent / "out").code == 1


def test_any_two_documents_meeting_on_one_object_collide_whatever_their_kinds(tmp_path: Path) -> None:
    model = validate_source(working_tree(REPO_ROOT / "repo-template"), state_dir=tmp_path).model
    template = next(iter(model.workspace_templates.values()))
    pipeline = next(iter(model.pipelines.values()))
    key = ObjectKey("v1", "ConfigMap", "vector", "vector-agent")
    found = list(
        collisions([CompiledIdentity("dev-eu-1", key, pipeline.doc), CompiledIdentity("dev-eu-1", key, template.doc)])
    )
    assert len(found) == 2
    assert {d.subject for d in found} == {pipeline.doc.subject, template.doc.subject}
    assert (
        list(
            collisions(
                [CompiledIdentity("dev-eu-1", key, pipeline.doc), CompiledIdentity("prd-eu-1", key, template.doc)]
            )
        )
        == []
    )
