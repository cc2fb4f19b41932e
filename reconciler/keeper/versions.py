"""The versions of one artifact, keyed by their parsed version so `v1.2.0` and `1.2.0` are the same."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.keeper.semver import InvalidVersion, SemVer, parse_version
from reconciler.model.diagnostics import Diagnostic, error
from reconciler.model.kinds import Artifact, ArtifactVersion


@dataclass(frozen=True, slots=True)
class ParsedVersion:
    entry: ArtifactVersion
    semver: SemVer
    key: str  # the normalised version string: the version's identity within its artifact


@dataclass(frozen=True, slots=True)
class VersionIndex:
    """Usable versions by normalised version string, plus an error for each entry that cannot be used."""

    by_key: dict[str, ParsedVersion]
    problems: tuple[Diagnostic, ...]


def version_key(text: str) -> str:
    """The identity of a version string: its normalised form, or the text itself when it does not parse."""
    try:
        return str(parse_version(text))
    except InvalidVersion:
        return text


def index_versions(artifact: Artifact) -> VersionIndex:
    by_key: dict[str, ParsedVersion] = {}
    problems: list[Diagnostic] = []
    doc = artifact.doc
    for entry in artifact.versions:
        try:
            semver = parse_version(entry.version)
        except InvalidVersion as exc:
            problems.append(error(str(exc), doc.location("spec", "versions", entry.index, "version"), doc.subject))
            continue
        key = str(semver)
        first = by_key.get(key)
        if first is not None:
            first_at = doc.location("spec", "versions", first.entry.index, "version")
            problems.append(
                error(
                    f"version {key} is declared twice (first at {first_at})",
                    doc.location("spec", "versions", entry.index, "version"),
                    doc.subject,
                )
            )
            continue
        by_key[key] = ParsedVersion(entry, semver, key)
    return VersionIndex(by_key, tuple(problems))
