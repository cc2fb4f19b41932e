"""Helm repository indexes, read as `helm repo update` reads them."""

from __future__ import annotations

from datetime import datetime

import yaml

from sitegen.registry.helm import helm_files
from tests.sitegen.builders import APPROVED, PENDING, YANKED, registry_artifact, registry_repo

DIGEST = "866f01d821f3f49a405714856d9e192e50fb6c9a9bf6691be415a18134fa149e"
CHARTS = "https://charts.acme.dev/ingress"


def chart_version(version: str, template: str = APPROVED, url: str | None = None) -> str:
    url = url if url is not None else f"{CHARTS}/ingress-nginx-{version}.tgz"
    return (
        template.format(version=version)
        + f"      digest: sha256:{DIGEST}\n"
        + f"      metadata:\n        helm: {{appVersion: 1.11.3, apiVersion: v2, chartUrl: '{url}'}}\n"
    )


GIT = "{git: {repositoryUrl: https://github.com/acme/helm-charts}}"
OCI = "{oci: {registryUrl: oci://ghcr.io, repository: acme/charts/ingress-nginx}}"
SPEC = "  description: 'Ingress: Acme''s packaging'\n  tags: [ingress]\n"


def read_index(text: bytes) -> dict:
    """The checks Helm's loadIndex makes: an apiVersion, entries by chart name, every entry named and versioned
    with at least one URL, and times that parse as RFC 3339."""
    index = yaml.safe_load(text)
    assert index["apiVersion"] == "v1"
    datetime.fromisoformat(index["generated"])
    for name, versions in index["entries"].items():
        for entry in versions:
            assert entry["name"] == name
            assert entry["version"] and entry["urls"] and entry["apiVersion"] in ("v1", "v2")
            datetime.fromisoformat(entry["created"])
    return index


def test_the_namespace_index_lists_served_chart_versions_with_their_download_urls() -> None:
    versions = (
        chart_version("4.11.3")
        + chart_version("4.11.2")
        + chart_version("4.12.0", PENDING)
        + chart_version("4.10.0", YANKED)
    )
    repo = registry_repo({"nginx": registry_artifact("ingress-nginx", "helm-chart", GIT, versions, spec=SPEC)})
    site = helm_files(repo)
    index = read_index(site.files["helm/networking/index.yaml"])
    assert index["entries"]["ingress-nginx"] == [
        {
            "apiVersion": "v2",
            "name": "ingress-nginx",
            "version": version,
            "urls": [f"{CHARTS}/ingress-nginx-{version}.tgz"],
            "created": "2026-01-01T10:00:00Z",
            "description": "Ingress: Acme's packaging",
            "appVersion": "1.11.3",
            "keywords": ["ingress"],
            "digest": DIGEST,
        }
        for version in ("4.11.3", "4.11.2")
    ]
    assert index["generated"] == "2026-01-02T10:00:00Z"  # the latest time the entries record, not the clock
    assert site.warnings == ()
    assert helm_files(repo).files == site.files  # the same commit gives the same bytes


def test_a_chart_only_in_oci_is_not_listed_and_a_git_chart_without_an_archive_is_left_out_with_a_warning() -> None:
    oci_only = APPROVED.format(version="1.0.0")
    no_archive = APPROVED.format(version="2.0.0")
    hostile = chart_version("2.1.0", url="javascript:alert(1)")
    repo = registry_repo(
        {
            "oci": registry_artifact("oci-chart", "helm-chart", OCI, oci_only),
            "git": registry_artifact("git-chart", "helm-chart", GIT, no_archive + hostile),
        }
    )
    site = helm_files(repo)
    assert read_index(site.files["helm/networking/index.yaml"])["entries"] == {}
    assert [w.format() for w in site.warnings] == [
        "artifacts/git.yaml:21:52: warning: Artifact/git-chart: version 2.1.0 is left out of the Helm repository "
        "index of namespace networking: metadata.helm.chartUrl is not an https or http URL without a password, and "
        "a git repository is no chart archive",
        "artifacts/git.yaml:11:7: warning: Artifact/git-chart: version 2.0.0 is left out of the Helm repository "
        "index of namespace networking: metadata.helm.chartUrl is not set, and a git repository is no chart archive",
    ]
    assert b"javascript" not in site.files["helm/networking/index.yaml"]


def test_each_namespace_gets_its_own_index_and_a_deprecated_chart_says_so() -> None:
    repo = registry_repo(
        {
            "a": registry_artifact("a", "helm-chart", GIT, chart_version("1.0.0"), namespace="platform"),
            "b": registry_artifact(
                "b", "helm-chart", GIT, chart_version("1.0.0"), namespace="security", spec="  status: deprecated\n"
            ),
            "vpc": registry_artifact(
                "vpc", "terraform-module", GIT, APPROVED.format(version="1.0.0"), spec="  provider: aws\n"
            ),
        }
    )
    site = helm_files(repo)
    assert sorted(site.files) == ["helm/platform/index.yaml", "helm/security/index.yaml"]
    assert "deprecated" not in read_index(site.files["helm/platform/index.yaml"])["entries"]["a"][0]
    assert read_index(site.files["helm/security/index.yaml"])["entries"]["b"][0]["deprecated"] is True


def test_a_password_in_a_dependency_repository_never_reaches_the_index() -> None:
    version = chart_version("1.0.0").replace(
        "chartUrl:", "dependencies: [{name: rules, repository: 'https://bot:CANARY-9d1@charts.acme.dev'}], chartUrl:"
    )
    site = helm_files(registry_repo({"a": registry_artifact("a", "helm-chart", GIT, version)}))
    index = read_index(site.files["helm/networking/index.yaml"])
    assert index["entries"]["a"][0]["dependencies"] == [
        {"name": "rules", "repository": "https://bot:***@charts.acme.dev"}
    ]
    assert b"CANARY" not in site.files["helm/networking/index.yaml"]
