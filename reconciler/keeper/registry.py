"""What the database recorded of the registry, as Keeper's rules read it: a registry key stays with its team.

A key is bound to the team that first published under it, for ever: archiving the artifact reserves the key
(its versions and approvals are history), the same team declaring it again restores it with that history, and
another team declaring it is refused, naming the owner.
"""

from __future__ import annotations

from reconciler.keeper.policy import PLATFORM_TEAM
from reconciler.model import rules
from reconciler.model.diagnostics import Diagnostic, error
from reconciler.model.kinds import RepoModel
from reconciler.model.recorded import RecordedRegistry, key_text


def recorded_key_findings(model: RepoModel, recorded: RecordedRegistry) -> list[Diagnostic]:
    """Every artifact of `model` declaring a registry key the database binds to another team."""
    findings: list[Diagnostic] = []
    for _, artifact in sorted(model.artifacts.items()):
        owner = recorded.artifacts.get(artifact.registry_key)
        team = artifact.team or PLATFORM_TEAM
        if owner is None or owner.team == team:
            continue
        state = "the archived " if owner.status == "archived" else ""
        findings.append(
            error(
                f"registry key {key_text(artifact.registry_key)} belongs to Team/{owner.team} ({state}"
                f"Artifact/{owner.document_name}, recorded in the database); a registry key stays with its team "
                f"for ever, so Team/{team} must publish under another",
                artifact.doc.location("spec", "namespace"),
                artifact.doc.subject,
                rule=rules.REGISTRY_KEYS,
            )
        )
    return findings
