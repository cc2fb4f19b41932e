"""CRDs register kinds; the standalone runner; kubeconfigs for several emulators."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client import ApiException, ApiextensionsV1Api

from tests.emulator.conftest import Cluster
from tests.kube_emulator.fixtures import EmulatorCluster

WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {
            "kind": "Widget",
            "plural": "widgets",
            "singular": "widget",
            "shortNames": ["wd"],
            "listKind": "WidgetList",
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "parts": {
                                        "type": "array",
                                        "x-kubernetes-list-type": "map",
                                        "x-kubernetes-list-map-keys": ["id"],
                                        "items": {"type": "object"},
                                    }
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}


def test_creating_a_crd_serves_its_kind_and_deleting_it_removes_it(cluster: Cluster) -> None:
    extensions = ApiextensionsV1Api(cluster.api_client)
    created = extensions.create_custom_resource_definition(WIDGET_CRD)
    conditions = {c.type: c.status for c in created.status.conditions}
    assert conditions["Established"] == "True" and created.metadata.generation == 1
    widgets = cluster.dynamic.resources.get(api_version="example.com/v1", kind="Widget")
    assert widgets.namespaced and widgets.short_names == ["wd"]
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default"},
        "spec": {"parts": [{"id": "a", "size": 1}]},
    }
    applied = widgets.server_side_apply(body=widget, field_manager="gitops")
    fields = applied.to_dict()["metadata"]["managedFields"][0]["fieldsV1"]
    assert list(fields["f:spec"]["f:parts"]) == ['k:{"id":"a"}']  # the schema's list-map keys are used
    assert "wd" in cluster.kubectl("api-resources", "--api-group=example.com").stdout
    extensions.delete_custom_resource_definition("widgets.example.com")
    code, _ = cluster.raw("GET", "/apis/example.com/v1/namespaces/default/widgets/w")
    assert code == 404
    code, _ = cluster.raw("GET", "/apis/example.com/v1")
    assert code == 404


def test_dry_run_crd_registers_nothing(cluster: Cluster) -> None:
    ApiextensionsV1Api(cluster.api_client).create_custom_resource_definition(WIDGET_CRD, dry_run="All")
    code, _ = cluster.raw("GET", "/apis/example.com/v1")
    assert code == 404


def test_emulator_without_butler_kinds(kube_emulators: EmulatorCluster) -> None:
    (bare,) = kube_emulators("bare", butler_kinds=False)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(bare.url + "/apis/butler.butlerlabs.dev/v1alpha1", timeout=5)
    assert caught.value.code == 404


def test_kubeconfig_has_one_context_per_emulator(kube_emulators: EmulatorCluster) -> None:
    kube_emulators("alpha", "beta")
    kubeconfig = kube_emulators.kubeconfig
    result = subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig), "config", "get-contexts", "-o", "name"],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    assert result.stdout.split() == ["alpha", "beta"]
    for name in ("alpha", "beta"):
        server = subprocess.run(
            [
                "kubectl",
                "--kubeconfig",
                str(kubeconfig),
                "--context",
                name,
                "config",
                "view",
                "--minify",
                "-o",
                "jsonpath={.clusters[0].cluster.server}",
            ],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
        assert server == kube_emulators[name].url


def test_standalone_runner(tmp_path: Path) -> None:
    log = tmp_path / "requests.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.kube_emulator", "--port", "0", "--log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/api/v1/namespaces/default", timeout=5) as response:
            assert json.loads(response.read())["metadata"]["name"] == "default"
    finally:
        process.terminate()
        stdout, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert stdout == ""  # requests are logged to the file, not stdout
    assert "GET /api/v1/namespaces/default" in log.read_text()


def test_crd_with_a_taken_name_conflicts(cluster: Cluster) -> None:
    extensions = ApiextensionsV1Api(cluster.api_client)
    extensions.create_custom_resource_definition(WIDGET_CRD)
    with pytest.raises(ApiException) as caught:
        extensions.create_custom_resource_definition(WIDGET_CRD)
    assert caught.value.status == 409
