"""What a change does to the registry, for the PR check's plan: versions published, approved, rejected, yanked,
the latest version moving, artifacts added, deprecated or archived."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from reconciler.keeper.state import ArtifactState, VersionState

Change = Literal["added", "deprecated", "archived", "published", "approved", "rejected", "yanked", "latest"]


@dataclass(frozen=True, slots=True)
class RegistryChange:
    artifact: str
    change: Change
    version: str | None = None  # None for changes of the artifact itself
    detail: str = ""

    def describe(self) -> str:
        subject = f"Artifact/{self.artifact}" + (f" {self.version}" if self.version else "")
        return f"{subject}: {self.change}" + (f" ({self.detail})" if self.detail else "")


def _version_changes(name: str, before: VersionState | None, after: VersionState) -> list[RegistryChange]:
    changes: list[RegistryChange] = []
    if before is None:
        changes.append(RegistryChange(name, "published", after.version, f"by {after.published_by}"))
    was = before.approval_status if before is not None else "pending"
    if after.approval_status != was and after.approval_status == "approved":
        changes.append(RegistryChange(name, "approved", after.version, f"by {after.approved_by}"))
    if after.approval_status != was and after.approval_status == "rejected" and after.rejection is not None:
        changes.append(RegistryChange(name, "rejected", after.version, after.rejection.reason))
    if after.is_bad and not (before is not None and before.is_bad):
        changes.append(RegistryChange(name, "yanked", after.version, after.yank_reason or ""))
    return changes


def _artifact_changes(before: ArtifactState | None, after: ArtifactState) -> list[RegistryChange]:
    name = after.name
    changes: list[RegistryChange] = []
    if before is None:
        changes.append(RegistryChange(name, "added"))
    elif after.status == "deprecated" and before.status != "deprecated":
        changes.append(RegistryChange(name, "deprecated"))
    old_versions = {v.version: v for v in before.versions} if before is not None else {}
    for version in reversed(after.versions):  # oldest first
        changes.extend(_version_changes(name, old_versions.get(version.version), version))
    old_latest = before.latest.version if before is not None and before.latest else None
    new_latest = after.latest.version if after.latest else None
    if old_latest != new_latest:
        changes.append(RegistryChange(name, "latest", new_latest, f"was {old_latest or 'none'}"))
    return changes


def registry_changes(before: Mapping[str, ArtifactState], after: Mapping[str, ArtifactState]) -> list[RegistryChange]:
    """From the base's recorded state to the head's derived state, artifact by artifact (by name)."""
    changes: list[RegistryChange] = []
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            changes.append(RegistryChange(name, "archived"))
        else:
            changes.extend(_artifact_changes(before.get(name), after[name]))
    return changes
