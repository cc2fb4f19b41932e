"""A Helm chart repository index per artifact namespace (`helm/<namespace>/index.yaml`), as Keeper served it.

Only approved, non-yanked versions are listed, and only those whose packaged chart can be downloaded over
http(s) (`metadata.helm.chartUrl`): a chart kept only in an OCI registry is installed from `oci://` and is not
listed (no URL that leads nowhere). Everything in the index comes from the commit, so the same commit gives the
same bytes: `created` is the version's `publishedAt` and `generated` the latest time the listed entries record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import yaml

from reconciler.keeper.state import ArtifactState, VersionState
from reconciler.model.diagnostics import Diagnostic, warning
from reconciler.model.kinds import RepoModel
from sitegen.files import SiteFiles
from sitegen.redact import without_url_passwords
from sitegen.registry.published import metadata_block, registry_states, served_versions, storage
from sitegen.registry.urls import allowed_url

DEFAULT_CHART_API_VERSION = "v2"  # Helm 3 charts
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def index_path(namespace: str) -> str:
    return f"helm/{namespace}/index.yaml"


def chart_url(version: VersionState) -> str | None:
    """Where the packaged chart of `version` is downloaded from, when it can be (an allowed http(s) URL)."""
    return allowed_url(metadata_block(version, "helm").get("chartUrl"))


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _entry(state: ArtifactState, version: VersionState, url: str) -> dict[str, Any]:
    helm = metadata_block(version, "helm")
    spec = state.artifact.doc.spec
    entry: dict[str, Any] = {
        "apiVersion": helm.get("apiVersion", DEFAULT_CHART_API_VERSION),
        "name": state.registry_name,
        "version": version.version,
        "urls": [url],
        "created": _rfc3339(version.published_at or _EPOCH),
    }
    if isinstance(spec.get("description"), str):
        entry["description"] = spec["description"]
    if isinstance(helm.get("appVersion"), str):
        entry["appVersion"] = helm["appVersion"]
    if helm.get("dependencies"):
        entry["dependencies"] = [dict(d) for d in helm["dependencies"]]
    if isinstance(spec.get("tags"), list) and spec["tags"]:
        entry["keywords"] = list(spec["tags"])
    if state.status == "deprecated":
        entry["deprecated"] = True
    digest = version.data.get("digest")
    if isinstance(digest, str) and digest.startswith("sha256:"):
        entry["digest"] = digest.removeprefix("sha256:")  # Helm writes the bare hex of the .tgz's SHA-256
    return without_url_passwords(entry)


def _listed(state: ArtifactState) -> tuple[list[tuple[VersionState, dict[str, Any]]], list[Diagnostic]]:
    only_oci = "oci" in storage(state)
    listed: list[tuple[VersionState, dict[str, Any]]] = []
    warnings: list[Diagnostic] = []
    doc = state.artifact.doc
    for version in served_versions(state):
        url = chart_url(version)
        if url is not None:
            listed.append((version, _entry(state, version, url)))
        elif not only_oci:
            written = metadata_block(version, "helm").get("chartUrl") is not None
            why = "is not an https or http URL without a password" if written else "is not set"
            warnings.append(
                warning(
                    f"version {version.version} is left out of the Helm repository index of namespace "
                    f"{state.namespace}: metadata.helm.chartUrl {why}, and a git repository is no chart archive",
                    doc.location("spec", "versions", version.index, "metadata", "helm", "chartUrl"),
                    doc.subject,
                )
            )
    return listed, warnings


def _generated(listed: list[tuple[VersionState, dict[str, Any]]]) -> str:
    moments = [m for version, _ in listed for m in (version.published_at, version.approved_at) if m is not None]
    return _rfc3339(max(moments, default=_EPOCH))


def helm_files(model: RepoModel, states: Mapping[str, ArtifactState] | None = None) -> SiteFiles:
    """`helm/<namespace>/index.yaml` for every namespace holding a helm-chart artifact (an index with no entries
    when none of its versions is downloadable, so `helm repo add` still works)."""
    states = registry_states(model, states)
    by_namespace: dict[str, list[tuple[VersionState, dict[str, Any]]]] = {}
    warnings: list[Diagnostic] = []
    for name in sorted(model.artifacts):
        state = states[name]
        if state.type != "helm-chart":
            continue
        listed, found = _listed(state)
        by_namespace.setdefault(state.namespace, []).extend(listed)
        warnings += found
    files: dict[str, bytes] = {}
    for namespace, listed in sorted(by_namespace.items()):
        entries: dict[str, list[dict[str, Any]]] = {}
        for _, entry in listed:
            entries.setdefault(entry["name"], []).append(entry)
        index = {"apiVersion": "v1", "entries": dict(sorted(entries.items())), "generated": _generated(listed)}
        text = yaml.safe_dump(index, sort_keys=False, allow_unicode=True, default_flow_style=False)
        files[index_path(namespace)] = text.encode()
    return SiteFiles(files, tuple(warnings))
