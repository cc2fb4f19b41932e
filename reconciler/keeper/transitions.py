"""Rules between the base and the head of a change: what the registry has published stays as published.

An approved version's content never changes (only a yank may be added); versions are never deleted (yank
instead); a yank is never undone; a rejection is final; who published a version, and when, never change (the
self-approval rule depends on them) and a new version is not backdated; an artifact keeps its team and registry
key. Removing a whole Artifact
archives it, so its registry key cannot be taken by another artifact in the same change.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.keeper.state import ArtifactState, VersionState, derive_change, recorded_state
from reconciler.model.diagnostics import Diagnostic, error
from reconciler.model.kinds import Artifact, RepoModel
from reconciler.model.recorded import key_text

_REGISTRY_KEY_FIELDS: tuple[tuple[str, str], ...] = (
    ("namespace", "namespace"),
    ("name", "registry_name"),
    ("provider", "provider"),
)
YANK = "yanked"
REJECTION = "rejected"
PUBLICATION = ("publishedBy", "publishedAt")
# Records that stand once merged: (field, noun, what removing it would break).
_RECORDS: tuple[tuple[str, str, str], ...] = (
    (YANK, "yank", "a yank is never undone"),
    (REJECTION, "rejection", "a rejection is final and cannot be removed"),
)


def _identity_findings(before: Artifact, after: Artifact) -> list[Diagnostic]:
    doc = after.doc
    findings: list[Diagnostic] = []
    if before.team != after.team:
        findings.append(
            error(
                f"the team cannot change (was {before.team}); an artifact keeps its owner",
                doc.location("spec", "team"),
                doc.subject,
            )
        )
    for spec_field, attribute in _REGISTRY_KEY_FIELDS:
        old, new = getattr(before, attribute), getattr(after, attribute)
        if old != new:
            findings.append(
                error(
                    f"the registry key cannot change: {spec_field} was {old!r}, now {new!r}",
                    doc.location("spec", spec_field),
                    doc.subject,
                )
            )
    return findings


def _immutable_content_findings(after: Artifact, before: VersionState, now: VersionState) -> list[Diagnostic]:
    """An approved version may only gain a yank."""
    doc = after.doc
    old, new = before.data, now.data
    changed = sorted((k for k in old.keys() | new.keys() if k != YANK and old.get(k) != new.get(k)), key=str)
    return [
        error(
            f"version {now.version} is approved, so its {key} cannot change; publish a new version instead",
            doc.location("spec", "versions", now.index, key),
            doc.subject,
        )
        for key in changed
    ]


def _reason(record: object) -> str:
    reason = record.get("reason") if isinstance(record, Mapping) else None
    return f" ({reason})" if reason else ""


def _record_findings(after: Artifact, before: VersionState, now: VersionState) -> list[Diagnostic]:
    """A yank or a rejection, once merged, is never removed nor rewritten."""
    doc = after.doc
    findings: list[Diagnostic] = []
    for key, noun, removal in _RECORDS:
        old, new = before.data.get(key), now.data.get(key)
        if old is None or old == new:
            continue
        if new is None:
            message = f"version {now.version} was {key}{_reason(old)}; {removal}"
            findings.append(error(message, doc.location("spec", "versions", now.index), doc.subject))
        else:
            message = f"version {now.version} is {key}; its {noun} record cannot change"
            findings.append(error(message, doc.location("spec", "versions", now.index, key), doc.subject))
    return findings


def _publication_findings(after: Artifact, before: VersionState, now: VersionState) -> list[Diagnostic]:
    """Who published a version, and when, are facts: the self-approval rule depends on them."""
    doc = after.doc
    return [
        error(
            f"version {now.version} was published by {before.published_by}; its {key} cannot change",
            doc.location("spec", "versions", now.index, key),
            doc.subject,
        )
        for key in PUBLICATION
        if before.data.get(key) != now.data.get(key)
    ]


def _version_findings(after: Artifact, before: VersionState, now: VersionState) -> list[Diagnostic]:
    findings = _record_findings(after, before, now)
    if before.approval_status == "approved":
        findings.extend(_immutable_content_findings(after, before, now))  # publication included
    else:
        findings.extend(_publication_findings(after, before, now))
    return findings


def _backdated_findings(before: ArtifactState, after: ArtifactState) -> list[Diagnostic]:
    """A version a change adds is published after those already there: backdating one would let it pass for the
    first version, or for a patch of an older latest, and be auto-approved."""
    published = [v.published_at for v in before.versions if v.published_at is not None]
    if not published:
        return []
    newest = max(published)
    known = {v.version for v in before.versions}
    doc = after.artifact.doc
    return [
        error(
            f"version {v.version} is new but published at {v.published_at.isoformat()}, before versions already "
            f"published (the newest at {newest.isoformat()}); a new version cannot be backdated",
            doc.location("spec", "versions", v.index, "publishedAt"),
            doc.subject,
        )
        for v in reversed(after.versions)
        if v.version not in known and v.published_at is not None and v.published_at < newest
    ]


def artifact_transition_findings(before: ArtifactState, after: ArtifactState) -> list[Diagnostic]:
    findings = _identity_findings(before.artifact, after.artifact)
    doc = after.artifact.doc
    now_by_version = {v.version: v for v in after.versions}
    for old in reversed(before.versions):  # oldest first, as a reader goes through a changelog
        now = now_by_version.get(old.version)
        if now is None:
            findings.append(
                error(
                    f"version {old.version} was deleted; versions are never deleted, yank it instead",
                    doc.location("spec", "versions"),
                    doc.subject,
                )
            )
        else:
            findings.extend(_version_findings(after.artifact, old, now))
    findings.extend(_backdated_findings(before, after))
    return findings


def registry_key_reuse(base: RepoModel, head: RepoModel) -> list[Diagnostic]:
    """A new artifact may not take the registry key of one this change archives."""
    archived = {a.registry_key: a for name, a in base.artifacts.items() if name not in head.artifacts}
    findings: list[Diagnostic] = []
    for name, artifact in sorted(head.artifacts.items()):
        previous = archived.get(artifact.registry_key)
        if name in base.artifacts or previous is None:
            continue
        findings.append(
            error(
                f"registry key {key_text(artifact.registry_key)} belongs to "
                f"{previous.doc.subject}, which this change removes; an artifact keeps its name and registry key",
                artifact.doc.location("spec", "namespace"),
                artifact.doc.subject,
            )
        )
    return findings


def check_transitions(
    base: RepoModel,
    head: RepoModel,
    *,
    base_states: Mapping[str, ArtifactState] | None = None,
    head_states: Mapping[str, ArtifactState] | None = None,
) -> list[Diagnostic]:
    """Every transition rule broken by going from `base` to `head` (states are derived when not given)."""
    before_states = base_states if base_states is not None else recorded_state(base)
    after_states = head_states if head_states is not None else derive_change(head, base)
    findings: list[Diagnostic] = []
    for name, before in before_states.items():
        after = after_states.get(name)
        if after is not None:
            findings.extend(artifact_transition_findings(before, after))
    findings.extend(registry_key_reuse(base, head))
    return findings
