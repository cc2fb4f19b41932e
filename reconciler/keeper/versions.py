"""The versions of one artifact, keyed by their semver precedence: `1.2.0+a` and `1.2.0+b` are the same version."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.keeper.semver import InvalidVersion, SemVer, parse_version
from reconciler.model.diagnostics import Diagnostic, error
from reconciler.model.kinds import Artifact, ArtifactVersion


@dataclass(frozen=True, slots=True)
class ParsedVersion:
    entry: ArtifactVersion
    semver: SemVer
    key: str  # the version without build metadata: its identity within its artifact


@dataclass(frozen=True, slots=True)
class VersionIndex:
    """Usable versions by normalised version string, plus an error for each entry that cannot be used."""

    by_key: dict[str, ParsedVersion]
    problems: tuple[Diagnostic, ...]


def version_key(text: str) -> str:
    """The identity of a version string: its precedence (no build metadata), or the text when it does not parse."""
    try:
        return parse_version(text).precedence
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
        key = semver.precedence
        first = by_key.get(key)
        if first is not None:
            first_at = doc.location("spec", "versions", first.entry.index, "version")
            if first.entry.version == entry.version:
                message = f"version {key} is declared twice (first at {first_at})"
            else:
                message = (
                    f"version {entry.version} has the precedence of {first.entry.version} (first at {first_at}):"
                    " build metadata does not make another version"
                )
            problems.append(
                error(
                    message,
                    doc.location("spec", "versions", entry.index, "version"),
                    doc.subject,
                )
            )
            continue
        by_key[key] = ParsedVersion(entry, semver, key)
    return VersionIndex(by_key, tuple(problems))
