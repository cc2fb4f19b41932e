"""How to install an artifact version, per registry type: Terraform `source`/`version`, `helm repo add` and
`helm install` or Flux `HelmRepository`/`HelmRelease`, `oras pull`, OPA with the bundle.

Snippets are given only for versions the registry serves (approved, not yanked). Every value taken from a
document is quoted for the language it lands in (shell, HCL, YAML), and URLs pass only with an allow-listed
scheme, so a snippet is always safe to paste: a hostile URL makes its snippet disappear, never run.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from reconciler.keeper.state import ArtifactState, VersionState
from sitegen.registry.helm import chart_url
from sitegen.registry.published import pinned_ref, served_versions, storage, version_tag
from sitegen.registry.terraform import module_source
from sitegen.registry.urls import allowed_url, git_url, oci_reference

FLUX_NAMESPACE = "flux-system"


@dataclass(frozen=True, slots=True)
class Snippet:
    title: str
    language: str  # hcl, shell or yaml: the code block's highlighting
    code: str


def _hcl(text: str) -> str:
    """An HCL string literal: JSON escapes, plus template sequences escaped so nothing is interpolated."""
    return json.dumps(text).replace("${", "$${").replace("%{", "%%{")


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def _registry_host(base_url: str) -> str | None:
    """The host Terraform addresses the registry by: the site's host (with its port)."""
    url = allowed_url(base_url)
    return urlsplit(url).netloc if url is not None else None


def _site_url(base_url: str, path: str) -> str | None:
    url = allowed_url(base_url)
    return f"{url.rstrip('/')}/{path}" if url is not None else None


@dataclass(frozen=True, slots=True)
class _OciPin:
    repository: str  # host/repository
    kind: str  # "digest" or "tag"
    value: str

    @property
    def reference(self) -> str:
        return f"{self.repository}@{self.value}" if self.kind == "digest" else f"{self.repository}:{self.value}"


def _oci_pin(state: ArtifactState, version: VersionState) -> _OciPin | None:
    """Where `version` is in OCI storage: by digest when its storageRef pins one, else by tag."""
    oci = storage(state).get("oci")
    if not isinstance(oci, Mapping):
        return None
    repository = oci_reference(oci.get("registryUrl"), oci.get("repository"))
    if repository is None:
        return None
    pinned = pinned_ref(version)
    if pinned is not None and pinned.startswith("sha256:"):
        return _OciPin(repository, "digest", pinned)
    return _OciPin(repository, "tag", version_tag(state, version))


def _terraform_module(state: ArtifactState, version: VersionState, base_url: str) -> list[Snippet]:
    host = _registry_host(base_url)
    if host is not None:
        source = f"{host}/{state.namespace}/{state.registry_name}/{state.provider}"
        code = (
            f"module {_hcl(state.registry_name)} {{\n"
            f"  source  = {_hcl(source)}\n  version = {_hcl(version.version)}\n}}\n"
        )
        return [Snippet("Terraform / OpenTofu (from this registry)", "hcl", code)]
    direct = module_source(state, version)
    if direct is None:
        return []
    code = f"module {_hcl(state.registry_name)} {{\n  source = {_hcl(direct)}\n}}\n"
    return [Snippet("Terraform / OpenTofu (from its storage)", "hcl", code)]


def _terraform_provider(state: ArtifactState, version: VersionState, base_url: str) -> list[Snippet]:
    host = _registry_host(base_url)
    if host is None:
        return []
    source = f"{host}/{state.namespace}/{state.registry_name}"
    code = (
        "terraform {\n  required_providers {\n"
        f"    {state.registry_name} = {{\n"
        f"      source  = {_hcl(source)}\n      version = {_hcl(version.version)}\n    }}\n"
        "  }\n}\n"
    )
    return [Snippet("Terraform / OpenTofu provider", "hcl", code)]


def _flux_release(state: ArtifactState, version: VersionState, repository: str, extra: str = "") -> str:
    name = _yaml(state.registry_name)
    return (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n"
        f"  name: {_yaml(state.namespace)}\n  namespace: {FLUX_NAMESPACE}\nspec:\n"
        f"  interval: 10m\n{extra}  url: {_yaml(repository)}\n"
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n"
        f"  name: {name}\n  namespace: {FLUX_NAMESPACE}\nspec:\n  interval: 10m\n  chart:\n    spec:\n"
        f"      chart: {name}\n      version: {_yaml(version.version)}\n      sourceRef:\n"
        f"        kind: HelmRepository\n        name: {_yaml(state.namespace)}\n"
    )


def _helm_chart(state: ArtifactState, version: VersionState, base_url: str) -> list[Snippet]:
    name, quoted_version = shlex.quote(state.registry_name), shlex.quote(version.version)
    repository = _site_url(base_url, f"helm/{state.namespace}")
    if chart_url(version) is not None and repository is not None:
        alias = shlex.quote(state.namespace)
        code = (
            f"helm repo add {alias} {shlex.quote(repository)}\nhelm repo update {alias}\n"
            f"helm install {name} {alias}/{name} --version {quoted_version}\n"
        )
        return [
            Snippet("Helm", "shell", code),
            Snippet("Flux HelmRepository and HelmRelease", "yaml", _flux_release(state, version, repository)),
        ]
    oci = storage(state).get("oci")
    reference = oci_reference(oci.get("registryUrl"), oci.get("repository")) if isinstance(oci, Mapping) else None
    if reference is None:
        return []
    chart = f"oci://{reference}"
    code = f"helm install {name} {shlex.quote(chart)} --version {quoted_version}\n"
    parent = chart.rsplit("/", 1)[0]
    return [
        Snippet("Helm (OCI)", "shell", code),
        Snippet(
            "Flux HelmRepository (OCI) and HelmRelease", "yaml", _flux_release(state, version, parent, "  type: oci\n")
        ),
    ]


def _oras(pin: _OciPin) -> Snippet:
    return Snippet("ORAS", "shell", f"oras pull {shlex.quote(pin.reference)}\n")


def _oci_artifact(state: ArtifactState, version: VersionState, _: str) -> list[Snippet]:
    pin = _oci_pin(state, version)
    if pin is None:
        return []
    flux = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n"
        f"  name: {_yaml(state.registry_name)}\n  namespace: {FLUX_NAMESPACE}\nspec:\n  interval: 10m\n"
        f"  url: {_yaml('oci://' + pin.repository)}\n  ref:\n    {pin.kind}: {_yaml(pin.value)}\n"
    )
    return [_oras(pin), Snippet("Flux OCIRepository", "yaml", flux)]


def _opa_bundle(state: ArtifactState, version: VersionState, base_url: str) -> list[Snippet]:
    pin = _oci_pin(state, version)
    if pin is not None:
        registry = pin.repository.split("/", 1)[0]
        config = (
            f"services:\n  registry:\n    url: {_yaml('https://' + registry)}\n    type: oci\n"
            f"bundles:\n  {_yaml(state.registry_name)}:\n    service: registry\n"
            f"    resource: {_yaml(pin.reference)}\n"
        )
        return [
            Snippet("OPA configuration (opa-config.yaml)", "yaml", config),
            Snippet("OPA", "shell", "opa run --server --config-file opa-config.yaml\n"),
            _oras(pin),
        ]
    git = storage(state).get("git")
    url = git_url(git.get("repositoryUrl")) if isinstance(git, Mapping) else None
    if url is None:
        return []
    folder = shlex.quote(state.registry_name)
    path = git.get("path") if isinstance(git.get("path"), str) else ""
    bundle = shlex.quote(f"{state.registry_name}/{path.strip('/')}" if path.strip("/") else state.registry_name)
    code = (
        f"git clone --depth 1 --branch {shlex.quote(version_tag(state, version))} {shlex.quote(url)} {folder}\n"
        f"opa run --server --bundle {bundle}\n"
    )
    return [Snippet("OPA", "shell", code)]


_BY_TYPE: Mapping[str, Callable[[ArtifactState, VersionState, str], list[Snippet]]] = {
    "terraform-module": _terraform_module,
    "terraform-provider": _terraform_provider,
    "helm-chart": _helm_chart,
    "opa-bundle": _opa_bundle,
    "oci-artifact": _oci_artifact,
}


def install_snippets(artifact: ArtifactState, version: VersionState, base_url: str) -> list[Snippet]:
    """How to install `version` of `artifact` from the registry at `base_url` (the site's absolute URL; without
    one, only snippets that need no registry host); none for a version the registry does not serve."""
    if version not in served_versions(artifact):
        return []
    snippets = _BY_TYPE.get(artifact.type)
    return snippets(artifact, version, base_url) if snippets else []
