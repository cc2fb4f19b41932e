"""Names the schemas accept but Kubernetes or the filesystem would refuse.

A document's name ends up in other places — a label value, a namespace, a file name — each with its own limit.
Every limit here is derived from the function that spells the name there, so the message can say where the
name goes and why it is too long, and `validate` refuses it before a cluster or a disk does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reconciler.model import Diagnostic, Document, error, rules
from reconciler.model.ownership import SOURCE_LABEL, source_label_value

LABEL_VALUE_MAX = 63  # Kubernetes label values
DNS_LABEL_MAX = 63  # namespaces (DNS-1123 labels)
FILE_NAME_MAX_BYTES = 255  # one path component on common filesystems (ext4, XFS, APFS, NTFS)


@dataclass(frozen=True, slots=True)
class NameUse:
    """One place a name ends up: what it becomes there, spelled by the code that writes it, and its limit."""

    becomes: str  # e.g. "the label value portal.butlerlabs.dev/source=Pipeline.<name>"
    spell: Callable[[str], str]
    limit: int
    unit: str = "characters"

    def size(self, name: str) -> int:
        text = self.spell(name)
        return len(text.encode()) if self.unit == "bytes" else len(text)

    def longest(self) -> int:
        """The longest name that fits (names are ASCII, so their bytes and characters count alike)."""
        return self.limit - self.size("")


def _source_label(kind: str) -> NameUse:
    return NameUse(
        f"the label value {SOURCE_LABEL}={source_label_value(kind, '<name>')}",
        lambda name: source_label_value(kind, name),
        LABEL_VALUE_MAX,
    )


def name_uses(kind: str) -> tuple[NameUse, ...]:
    """Where the names of documents of `kind` end up (kinds that reach no cluster and no file: nowhere)."""
    if kind in ("Workspace", "WorkspaceTemplate"):
        return (_source_label(kind),)
    if kind == "Pipeline":
        from reconciler.herald.compile import pipeline_config_file

        file_name = NameUse(
            f"the file name {pipeline_config_file('<name>')} of compile's output",
            pipeline_config_file,
            FILE_NAME_MAX_BYTES,
            "bytes",
        )
        return (_source_label(kind), file_name)
    if kind == "Team":
        from reconciler.chambers.resources import team_namespace

        return (NameUse(f"the namespace {team_namespace('<name>')}", team_namespace, DNS_LABEL_MAX),)
    return ()


def longest_name(kind: str) -> int | None:
    """The longest name a document of `kind` may have because of where it ends up; None: only its schema limits."""
    uses = name_uses(kind)
    return min(use.longest() for use in uses) if uses else None


def check_name(doc: Document) -> list[Diagnostic]:
    name = doc.name
    for use in sorted(name_uses(doc.kind), key=NameUse.longest):
        if use.size(name) > use.limit:
            return [
                error(
                    f"metadata.name: too long ({len(name)} characters): it becomes {use.becomes}, at most "
                    f"{use.limit} {use.unit}, so a {doc.kind} name has at most {longest_name(doc.kind)} characters",
                    doc.location("metadata", "name"),
                    doc.subject,
                    rule=rules.NAMES,
                )
            ]
    return []
