"""kubectl as a second, independent client: where it and the emulator disagree, the emulator is wrong."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import yaml

from tests.emulator.conftest import Cluster

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {app: web, extra: "yes"}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
"""
WITHOUT_EXTRA = MANIFEST.replace(', extra: "yes"', "").replace(', {name: B, value: "2"}', "")
FIVE_REPLICAS = WITHOUT_EXTRA.replace("replicas: 2", "replicas: 5")


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_server_side_apply_creates_then_removes_dropped_fields(cluster: Cluster) -> None:
    assert "serverside-applied" in ok(
        cluster.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=MANIFEST)
    )
    created = cluster.apps.read_namespaced_deployment("web", "default")
    assert created.metadata.labels == {"app": "web", "extra": "yes"}
    ok(cluster.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=WITHOUT_EXTRA))
    changed = cluster.apps.read_namespaced_deployment("web", "default")
    assert changed.metadata.labels == {"app": "web"}
    assert [e.name for e in changed.spec.template.spec.containers[0].env] == ["A"]


def test_server_side_apply_conflicts_need_force(cluster: Cluster) -> None:
    ok(cluster.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=MANIFEST))
    refused = cluster.kubectl(
        "apply", "--server-side", "--validate=false", "--field-manager", "other", "-f", "-", stdin=FIVE_REPLICAS
    )
    assert refused.returncode != 0
    assert 'conflict with "kubectl"' in refused.stderr and ".spec.replicas" in refused.stderr
    assert cluster.apps.read_namespaced_deployment("web", "default").spec.replicas == 2
    ok(
        cluster.kubectl(
            "apply",
            "--server-side",
            "--validate=false",
            "--field-manager",
            "other",
            "--force-conflicts",
            "-f",
            "-",
            stdin=FIVE_REPLICAS,
        )
    )
    assert cluster.apps.read_namespaced_deployment("web", "default").spec.replicas == 5


def test_get_yaml_shows_managed_fields(cluster: Cluster) -> None:
    ok(cluster.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=MANIFEST))
    shown = yaml.safe_load(ok(cluster.kubectl("get", "deployment", "web", "-o", "yaml", "--show-managed-fields")))
    (entry,) = shown["metadata"]["managedFields"]
    assert entry["manager"] == "kubectl" and entry["operation"] == "Apply" and entry["fieldsType"] == "FieldsV1"
    containers = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert containers['k:{"name":"app"}']["f:image"] == {}
    hidden = yaml.safe_load(ok(cluster.kubectl("get", "deployment", "web", "-o", "yaml")))
    assert "managedFields" not in hidden["metadata"]


def test_edit_style_merge_patch_takes_ownership(cluster: Cluster) -> None:
    ok(cluster.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=MANIFEST))
    ok(cluster.kubectl("patch", "deployment", "web", "--type", "merge", "-p", '{"spec":{"replicas":7}}'))
    patched = cluster.apps.read_namespaced_deployment("web", "default")
    assert patched.spec.replicas == 7
    owners = {e.manager: e for e in patched.metadata.managed_fields}
    assert owners["kubectl-patch"].operation == "Update"
    assert owners["kubectl-patch"].fields_v1 == {"f:spec": {"f:replicas": {}}}
    refused = cluster.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=MANIFEST)
    assert refused.returncode != 0 and 'conflict with "kubectl-patch" using apps/v1' in refused.stderr


def test_label(cluster: Cluster) -> None:
    ok(cluster.kubectl("create", "namespace", "team"))
    ok(cluster.kubectl("label", "namespace", "team", "owner=me"))
    labelled = cluster.core.read_namespace("team")
    assert labelled.metadata.labels["owner"] == "me"
    ok(cluster.kubectl("label", "namespace", "team", "owner-"))
    assert "owner" not in cluster.core.read_namespace("team").metadata.labels
    assert ok(cluster.kubectl("get", "namespaces", "-l", "kubernetes.io/metadata.name=team", "-o", "name")) == (
        "namespace/team\n"
    )


def test_create_with_server_dry_run_stores_nothing(cluster: Cluster) -> None:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dry}\ndata: {a: b}\n"
    before = cluster.core.list_namespaced_config_map("default").metadata.resource_version
    shown = yaml.safe_load(
        ok(cluster.kubectl("create", "--validate=false", "--dry-run=server", "-o", "yaml", "-f", "-", stdin=manifest))
    )
    assert shown["data"] == {"a": "b"} and shown["metadata"]["uid"]
    assert cluster.core.list_namespaced_config_map("default").items == []
    assert cluster.core.list_namespaced_config_map("default").metadata.resource_version == before


def test_delete(cluster: Cluster) -> None:
    ok(cluster.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=MANIFEST))
    assert 'deployment.apps "web" deleted' in ok(cluster.kubectl("delete", "deployment", "web"))
    assert cluster.apps.list_namespaced_deployment("default").items == []
    missing = cluster.kubectl("delete", "deployment", "web")
    assert missing.returncode != 0 and "NotFound" in missing.stderr


def test_get_watch_with_request_timeout(cluster: Cluster) -> None:
    cluster.core.create_namespaced_config_map("default", {"metadata": {"name": "first"}})
    command = [
        "kubectl",
        "--kubeconfig",
        str(cluster.kubeconfig),
        "get",
        "configmaps",
        "--watch",
        "--output-watch-events",
        "--request-timeout=2s",
    ]
    started = time.monotonic()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        time.sleep(0.8)
        cluster.core.create_namespaced_config_map("default", {"metadata": {"name": "second"}})
        cluster.core.delete_namespaced_config_map("first", "default")
        stdout, stderr = process.communicate(timeout=15)
    assert time.monotonic() - started < 10
    rows = [line.split()[:2] for line in stdout.splitlines()[1:]]
    assert rows == [["ADDED", "first"], ["ADDED", "second"], ["DELETED", "first"]], (stdout, stderr)


def test_get_and_describe_custom_resources_by_short_name(cluster: Cluster) -> None:
    manifest = "apiVersion: butler.butlerlabs.dev/v1alpha1\nkind: Workspace\nmetadata: {name: w1}\nspec: {owner: me}\n"
    ok(cluster.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=manifest))
    assert ok(cluster.kubectl("get", "ws", "-o", "name")) == "workspace.butler.butlerlabs.dev/w1\n"
    assert ok(cluster.kubectl("get", "ws", "w1", "-o", "jsonpath={.spec.owner}")) == "me"


def test_create_generators_which_send_protobuf(cluster: Cluster) -> None:
    ok(cluster.kubectl("create", "configmap", "c", "--from-literal=a=b"))
    ok(cluster.kubectl("create", "configmap", "dry", "--from-literal=a=b", "--dry-run=server"))
    ok(cluster.kubectl("create", "secret", "generic", "s", "--from-literal=p=q"))
    ok(cluster.kubectl("create", "serviceaccount", "robot"))
    ok(cluster.kubectl("create", "role", "reader", "--verb=get,list", "--resource=configmaps"))
    ok(cluster.kubectl("create", "rolebinding", "rb", "--role=reader", "--serviceaccount=default:robot"))
    ok(cluster.kubectl("create", "clusterrole", "cr", "--verb=get", "--resource=pods"))
    assert [c.metadata.name for c in cluster.core.list_namespaced_config_map("default").items] == ["c"]
    assert cluster.core.read_namespaced_config_map("c", "default").data == {"a": "b"}
    secret = cluster.core.read_namespaced_secret("s", "default")
    assert secret.data == {"p": "cQ=="} and secret.type == "Opaque"
    rbac = cluster.api_client
    from kubernetes.client import RbacAuthorizationV1Api

    role = RbacAuthorizationV1Api(rbac).read_namespaced_role("reader", "default")
    assert role.rules[0].verbs == ["get", "list"] and role.rules[0].resources == ["configmaps"]
    binding = RbacAuthorizationV1Api(rbac).read_namespaced_role_binding("rb", "default")
    assert binding.role_ref.name == "reader" and binding.subjects[0].name == "robot"
    assert RbacAuthorizationV1Api(rbac).read_cluster_role("cr").rules[0].resources == ["pods"]


def test_switching_from_client_side_to_server_side_apply(cluster: Cluster) -> None:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\ndata: {a: '1', b: '2'}\n"
    ok(cluster.kubectl("apply", "--validate=false", "-f", "-", stdin=manifest))
    changed = manifest.replace("'2'", "'3'")
    # Another manager meets the client-side owner as a conflict...
    refused = cluster.kubectl(
        "apply", "--server-side", "--validate=false", "--field-manager", "other", "-f", "-", stdin=changed
    )
    assert refused.returncode != 0 and 'conflict with "kubectl-client-side-apply" using v1' in refused.stderr
    # ...but "kubectl" itself takes over what its last-applied configuration says it applied.
    ok(cluster.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=changed))
    live = cluster.core.read_namespaced_config_map("c", "default")
    assert live.data == {"a": "1", "b": "3"}
    assert {(e.manager, e.operation) for e in live.metadata.managed_fields} >= {("kubectl", "Apply")}
    assert '"b":"3"' in live.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]
    # And back to client-side apply, which reads the annotation the server kept in step.
    ok(cluster.kubectl("apply", "--validate=false", "-f", "-", stdin=changed.replace(", b: '3'", "")))
    assert cluster.core.read_namespaced_config_map("c", "default").data == {"a": "1"}


def test_get_sorted_and_with_labels(cluster: Cluster) -> None:
    for name, value in [("b", "1"), ("a", "3"), ("c", "2")]:
        cluster.core.create_namespaced_config_map("default", {"metadata": {"name": name}, "data": {"k": value}})
    cluster.core.patch_namespaced_config_map("a", "default", {"metadata": {"labels": {"team": "x"}}})
    # Sorting a table by a field outside metadata needs whole objects in its rows (includeObject=Object).
    by_value = ok(cluster.kubectl("get", "configmaps", "--sort-by=.data.k"))
    assert [line.split()[0] for line in by_value.splitlines()[1:]] == ["b", "c", "a"]
    table = ok(cluster.kubectl("get", "configmaps", "--show-labels"))
    assert "team=x" in table.splitlines()[1]


def test_server_dry_run_apply_and_diff(cluster: Cluster) -> None:
    ok(cluster.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=MANIFEST))
    before = cluster.apps.read_namespaced_deployment("web", "default").metadata.resource_version
    changed = MANIFEST.replace("replicas: 2", "replicas: 3")
    shown = ok(
        cluster.kubectl(
            "apply", "--server-side", "--validate=false", "--dry-run=server", "-o", "yaml", "-f", "-", stdin=changed
        )
    )
    assert yaml.safe_load(shown)["spec"]["replicas"] == 3
    assert cluster.apps.read_namespaced_deployment("web", "default").metadata.resource_version == before
    diff = cluster.kubectl("diff", "--server-side", "-f", "-", stdin=changed)
    assert diff.returncode == 1, diff.stderr  # 1: differences found
    assert "-  replicas: 2" in diff.stdout and "+  replicas: 3" in diff.stdout
    same = cluster.kubectl("diff", "--server-side", "-f", "-", stdin=MANIFEST)
    assert same.returncode == 0 and same.stdout == "", same.stderr
