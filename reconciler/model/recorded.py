"""What the configured database recorded of the registry, as plain data for the checks that read it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

RegistryKey = tuple[str, str, str | None]


@dataclass(frozen=True, slots=True)
class RecordedArtifact:
    document_name: str
    team: str
    status: str  # active, deprecated or archived
    approval_policy: Mapping[str, Any]  # the inline policy in force


@dataclass(frozen=True, slots=True)
class RecordedRegistry:
    """The artifacts a database holds (archived ones included) and each team's admins, by the last sync."""

    artifacts: Mapping[RegistryKey, RecordedArtifact] = field(default_factory=dict)
    admins: Mapping[str, frozenset[str]] = field(default_factory=dict)  # team → lower-cased emails

    @property
    def digest(self) -> str:
        text = repr(
            (
                sorted(
                    (key, a.document_name, a.team, a.status, sorted(a.approval_policy.items()))
                    for key, a in self.artifacts.items()
                ),
                sorted((team, sorted(emails)) for team, emails in self.admins.items()),
            )
        )
        return hashlib.sha256(text.encode(), usedforsecurity=False).hexdigest()


def key_text(key: RegistryKey) -> str:
    """A registry key as people write it: `networking/vpc/aws`."""
    return "/".join(part for part in key if part)
