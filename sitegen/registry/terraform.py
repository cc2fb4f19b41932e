"""The static parts of Terraform's registry protocols, as Keeper served them: service discovery, module versions
(modules.v1) and, for `terraform-provider` artifacts, provider versions and per-platform downloads
(providers.v1). Only approved, non-yanked versions are listed; a version whose metadata lacks what the protocol
needs is left out with a warning at the document, so no listed version leads to a missing file.

A module's `download` answer is a 204 with an `X-Terraform-Get` header, which static files cannot give: the
terminal sidecar serves it from `module_download_url`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from reconciler.keeper.state import ArtifactState, VersionState, derive_artifact
from reconciler.keeper.versions import version_key
from reconciler.model.diagnostics import Diagnostic, warning
from reconciler.model.kinds import RepoModel
from sitegen.files import SiteFiles, json_bytes
from sitegen.registry.published import (
    metadata_block,
    pinned_ref,
    registry_states,
    served_versions,
    storage,
    version_tag,
)
from sitegen.registry.urls import allowed_url, git_url, oci_reference

DISCOVERY_PATH = ".well-known/terraform.json"
DEFAULT_PROTOCOLS = ("5.0",)  # what Keeper answered for every provider version
_PLATFORM_FIELDS = ("os", "arch", "filename", "downloadUrl", "shasum")
# os and arch become path segments, a ref goes into a URL's query: both must be plain words.
_PLATFORM_WORD = re.compile(r"^[a-z0-9_]+$")
_PLAIN_REF = re.compile(r"^[A-Za-z0-9._/+:-]+$")


def _base_path(base_url: str) -> str:
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


def discovery(base_url: str = "/") -> dict[str, str]:
    """Service discovery: where the module and provider APIs live (paths, which Terraform resolves against the
    discovery document's URL)."""
    base = _base_path(base_url)
    return {"modules.v1": f"{base}v1/modules/", "providers.v1": f"{base}v1/providers/"}


def module_source(state: ArtifactState, version: VersionState) -> str | None:
    """The X-Terraform-Get value of a module version: a go-getter address of its storage, pinned by its
    storageRef.ref when given, else by its tag."""
    store = storage(state)
    git, oci = store.get("git"), store.get("oci")
    ref = pinned_ref(version) or version_tag(state, version)
    if not _PLAIN_REF.match(ref):
        return None
    if isinstance(git, Mapping):
        url = git_url(git.get("repositoryUrl"))
        if url is None or urlsplit(url).query or urlsplit(url).fragment:
            return None
        subdir = git.get("path")
        path = f"//{subdir.strip('/')}" if isinstance(subdir, str) and subdir.strip("/") else ""
        return f"git::{url}{path}?ref={ref}"
    if isinstance(oci, Mapping):
        reference = oci_reference(oci.get("registryUrl"), oci.get("repository"))
        if reference is None:
            return None
        pin = f"digest={ref}" if ref.startswith("sha256:") else f"tag={ref}"
        return f"oci://{reference}?{pin}"
    return None


def module_download_url(
    model: RepoModel,
    namespace: str,
    name: str,
    system: str,
    version: str,
    states: Mapping[str, ArtifactState] | None = None,
) -> str | None:
    """The X-Terraform-Get value for `namespace/name/system` at `version` when that version is approved and not
    yanked; None otherwise (the sidecar answers 404). Without `states`, only the module asked for is derived."""
    wanted_key = (namespace, name, system)
    artifact = next(
        (a for a in model.artifacts.values() if a.type == "terraform-module" and a.registry_key == wanted_key), None
    )
    if artifact is None:
        return None
    state = states[artifact.name] if states is not None else derive_artifact(artifact, model, model)
    wanted = version_key(version)
    served = next((v for v in served_versions(state) if version_key(v.version) == wanted), None)
    return module_source(state, served) if served is not None else None


def _module_files(state: ArtifactState) -> tuple[dict[str, bytes], list[Diagnostic]]:
    listed: list[dict[str, str]] = []
    warnings: list[Diagnostic] = []
    doc = state.artifact.doc
    for version in served_versions(state):
        if module_source(state, version) is None:
            warnings.append(
                warning(
                    f"version {version.version} is left out of the Terraform registry: its storage gives no "
                    "address Terraform can fetch (an https, http, ssh or git URL without a password or query, or "
                    "an OCI registry and repository)",
                    doc.location("spec", "storage"),
                    doc.subject,
                )
            )
            continue
        listed.append({"version": version.version})
    path = f"v1/modules/{state.namespace}/{state.registry_name}/{state.provider}/versions"
    return {path: json_bytes({"modules": [{"versions": listed}]})}, warnings


@dataclass(frozen=True, slots=True)
class _ProviderRelease:
    version: VersionState
    protocols: list[str]
    shasums_url: str
    shasums_signature_url: str
    signing_keys: list[dict[str, str]]
    platforms: list[Mapping[str, Any]]


def _provider_release(state: ArtifactState, version: VersionState) -> tuple[_ProviderRelease | None, list[Diagnostic]]:
    doc = state.artifact.doc
    at = ("spec", "versions", version.index, "metadata", "terraform")
    terraform = metadata_block(version, "terraform")
    skipped = f"version {version.version} is left out of the Terraform provider registry"
    missing = [
        field
        for field in ("shasumsUrl", "shasumsSignatureUrl", "signingKeys", "platforms")
        if not terraform.get(field) or (field.endswith("Url") and allowed_url(terraform.get(field)) is None)
    ]
    if missing:
        need = ", ".join(f"metadata.terraform.{field}" for field in missing)
        return None, [warning(f"{skipped}: it needs {need}", doc.location(*at), doc.subject)]
    warnings: list[Diagnostic] = []
    platforms: list[Mapping[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for index, platform in enumerate(terraform["platforms"]):
        lacking = [f for f in _PLATFORM_FIELDS if not platform.get(f)]
        if not lacking and allowed_url(platform["downloadUrl"]) is None:
            lacking = ["downloadUrl (an https or http URL without a password)"]
        if not lacking and not (_PLATFORM_WORD.match(platform["os"]) and _PLATFORM_WORD.match(platform["arch"])):
            lacking = ["os and arch made of lower-case letters, digits and _"]
        key = (platform.get("os"), platform.get("arch"))
        if lacking or key in seen:
            why = f"it lacks {', '.join(lacking)}" if lacking else "the same os and arch are listed before"
            warnings.append(
                warning(
                    f"version {version.version}: platform {key[0]}/{key[1]} is left out of the Terraform provider "
                    f"registry: {why}",
                    doc.location(*at, "platforms", index),
                    doc.subject,
                )
            )
            continue
        seen.add(key)
        platforms.append(platform)
    if not platforms:
        return None, [*warnings, warning(f"{skipped}: no platform is complete", doc.location(*at), doc.subject)]
    keys = [{"key_id": k["keyId"], "ascii_armor": k["asciiArmor"]} for k in terraform["signingKeys"]]
    protocols = list(terraform.get("protocols") or DEFAULT_PROTOCOLS)
    release = _ProviderRelease(
        version, protocols, terraform["shasumsUrl"], terraform["shasumsSignatureUrl"], keys, platforms
    )
    return release, warnings


def _provider_files(state: ArtifactState) -> tuple[dict[str, bytes], list[Diagnostic]]:
    files: dict[str, bytes] = {}
    warnings: list[Diagnostic] = []
    listed: list[dict[str, Any]] = []
    root = f"v1/providers/{state.namespace}/{state.registry_name}"
    for version in served_versions(state):
        release, found = _provider_release(state, version)
        warnings += found
        if release is None:
            continue
        listed.append(
            {
                "version": version.version,
                "protocols": release.protocols,
                "platforms": [{"os": p["os"], "arch": p["arch"]} for p in release.platforms],
            }
        )
        for platform in release.platforms:
            files[f"{root}/{version.version}/download/{platform['os']}/{platform['arch']}"] = json_bytes(
                {
                    "protocols": release.protocols,
                    "os": platform["os"],
                    "arch": platform["arch"],
                    "filename": platform["filename"],
                    "download_url": platform["downloadUrl"],
                    "shasums_url": release.shasums_url,
                    "shasums_signature_url": release.shasums_signature_url,
                    "shasum": platform["shasum"],
                    "signing_keys": {"gpg_public_keys": release.signing_keys},
                }
            )
    files[f"{root}/versions"] = json_bytes({"versions": listed})
    return files, warnings


def terraform_files(
    model: RepoModel, base_url: str = "/", states: Mapping[str, ArtifactState] | None = None
) -> SiteFiles:
    """Discovery, module versions and provider files of every Terraform artifact of `model`."""
    states = registry_states(model, states)
    files: dict[str, bytes] = {DISCOVERY_PATH: json_bytes(discovery(base_url))}
    warnings: list[Diagnostic] = []
    for name in sorted(model.artifacts):
        state = states[name]
        if state.type == "terraform-module":
            produced, found = _module_files(state)
        elif state.type == "terraform-provider":
            produced, found = _provider_files(state)
        else:
            continue
        files.update(produced)
        warnings += found
    return SiteFiles(files, tuple(warnings))
