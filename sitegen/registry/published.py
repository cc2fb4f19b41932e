"""What the registry serves of an artifact: Keeper's derived state, read once per build, and where each version
lives in the artifact's storage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.keeper.state import ArtifactState, VersionState, recorded_state
from reconciler.model.kinds import RepoModel

DEFAULT_TAG_PREFIX = "v"  # Keeper's default for git storage


def registry_states(model: RepoModel, states: Mapping[str, ArtifactState] | None = None) -> Mapping[str, ArtifactState]:
    """The state to publish from a merged commit (its approvals were judged when they merged)."""
    return states if states is not None else recorded_state(model)


def served_versions(state: ArtifactState) -> list[VersionState]:
    """The versions clients may install: approved and not yanked, highest precedence first (as Keeper's
    protocol endpoints list them)."""
    return [v for v in state.versions if v.approval_status == "approved" and not v.is_bad]


def storage(state: ArtifactState) -> Mapping[str, Any]:
    value = state.artifact.doc.spec.get("storage")
    return value if isinstance(value, Mapping) else {}


def version_tag(state: ArtifactState, version: VersionState) -> str:
    """The tag holding `version`: its storageRef.tag, else `<tagPrefix><version>` in git and `<version>` in OCI."""
    ref = version.data.get("storageRef")
    if isinstance(ref, Mapping) and isinstance(ref.get("tag"), str):
        return ref["tag"]
    git = storage(state).get("git")
    if isinstance(git, Mapping):
        return f"{git.get('tagPrefix', DEFAULT_TAG_PREFIX)}{version.version}"
    return version.version


def pinned_ref(version: VersionState) -> str | None:
    """The commit or digest that pins `version`, when its storageRef names one."""
    ref = version.data.get("storageRef")
    value = ref.get("ref") if isinstance(ref, Mapping) else None
    return value if isinstance(value, str) else None


def metadata_block(version: VersionState, block: str) -> Mapping[str, Any]:
    metadata = version.data.get("metadata")
    value = metadata.get(block) if isinstance(metadata, Mapping) else None
    return value if isinstance(value, Mapping) else {}
