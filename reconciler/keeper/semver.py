"""Version strings exactly as Semantic Versioning 2.0.0 defines them, and their precedence.

Keeper strips a leading `v` and compares prereleases as plain strings (`rc.10` < `rc.9`); the registry serves
Terraform and Helm clients, which order by semver precedence, so we follow the spec instead: numeric prerelease
identifiers compare as numbers, build metadata is kept but ignored for precedence, and nothing is guessed
(no `v`, no whitespace, no leading zeros, no empty identifiers, ASCII only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

VERSION_FORMAT = "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], e.g. 1.4.0 or 2.0.0-rc.1"
# Semver sets no bound; this one keeps every number storable (PostgreSQL numeric) and convertible in Python.
MAX_DIGITS = 1000

_NUMBER = r"0|[1-9][0-9]*"
_PRERELEASE_ID = rf"(?:{_NUMBER}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_ID = r"[0-9A-Za-z-]+"
_VERSION = re.compile(
    rf"({_NUMBER})\.({_NUMBER})\.({_NUMBER})"
    rf"(?:-({_PRERELEASE_ID}(?:\.{_PRERELEASE_ID})*))?"
    rf"(?:\+({_BUILD_ID}(?:\.{_BUILD_ID})*))?",
    re.ASCII,
)
_IDENTIFIER_CHARS = re.compile(r"[0-9A-Za-z-]*", re.ASCII)
_NUMERIC = re.compile(r"[0-9]+", re.ASCII)

# Precedence of one prerelease identifier: numbers (by value) before alphanumerics (by ASCII order).
Identifier = tuple[int, int, str]
OrderKey = tuple[int, int, int, bool, tuple[Identifier, ...]]


class InvalidVersion(ValueError):
    """A string that is not a semver 2.0.0 version; the message says why."""


def _identifier_key(identifier: str) -> Identifier:
    # Numeric identifiers have no leading zeros, so the longer one is the larger: no conversion needed.
    if identifier.isdigit():
        return (0, len(identifier), identifier)
    return (1, 0, identifier)


@dataclass(frozen=True, slots=True)
class SemVer:
    major: int
    minor: int
    patch: int
    pre: str | None = None
    build: str | None = None

    def __str__(self) -> str:
        build = f"+{self.build}" if self.build is not None else ""
        return f"{self.precedence}{build}"

    @property
    def precedence(self) -> str:
        """The version without build metadata: two versions with the same precedence are the same version."""
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{self.pre}" if self.pre is not None else core

    @property
    def order_key(self) -> OrderKey:
        """Ascending precedence: a release sorts after its prereleases; prerelease identifiers compare left to
        right, numbers as numbers and before alphanumerics, and a shorter list of equal identifiers first."""
        identifiers = tuple(_identifier_key(i) for i in self.pre.split(".")) if self.pre is not None else ()
        return (self.major, self.minor, self.patch, self.pre is None, identifiers)

    @property
    def sort_text(self) -> str:
        """A string whose plain byte order (SQL `COLLATE "C"`) is precedence order, for the database."""

        def number(digits: str) -> str:
            return f"{len(digits):04d}{digits}"

        core = ".".join(number(str(n)) for n in (self.major, self.minor, self.patch))
        if self.pre is None:
            return f"{core}~"  # `~` sorts after `-`: a release after its prereleases
        # `!` ends each identifier and sorts before every identifier character: `a` < `a-`, `a` < `a.b`.
        ids = "".join(f"0{number(i)}!" if _NUMERIC.fullmatch(i) else f"1{i}!" for i in self.pre.split("."))
        return f"{core}-{ids}"

    def is_patch_bump_of(self, other: SemVer) -> bool:
        """Same major.minor, a higher patch, and a release: what `autoApprovePatches` may approve."""
        return self.pre is None and (self.major, self.minor) == (other.major, other.minor) and self.patch > other.patch


def _cut(text: str, limit: int = 64) -> str:
    """A long text cut short for a message, so one bad line never floods the output."""
    return text if len(text) <= limit else f"{text[: limit - 4]}…"


def _shown(value: object) -> str:
    return _cut(repr(value))


def _why_invalid(text: str) -> str:
    """Why `text` does not match the grammar, in the words a person fixing it needs."""
    if text == "":
        return f"it is empty; expected {VERSION_FORMAT}"
    if text != text.strip():
        return "it has surrounding whitespace"
    if text[0] in "vV" and _VERSION.fullmatch(text[1:]):
        return f"a leading `{text[0]}` is not part of a version (write {_cut(text[1:])})"
    if not text.isascii():
        return "it has non-ASCII characters (digits and letters must be ASCII)"
    core, _, build = text.partition("+")
    core, dash, pre = core.partition("-")
    numbers = core.split(".")
    if len(numbers) != 3:
        return f"expected {VERSION_FORMAT}"
    for name, number in zip(("major", "minor", "patch"), numbers, strict=True):
        if not _NUMERIC.fullmatch(number):
            return f"{name} `{_cut(number)}` is not a number; expected {VERSION_FORMAT}"
        if len(number) > 1 and number[0] == "0":
            return f"{name} `{_cut(number)}` has a leading zero"
    for part, value, present in (("prerelease", pre, dash), ("build metadata", build, "+" in text)):
        if not present:
            continue
        for identifier in value.split("."):
            if identifier == "":
                return f"it has an empty {part} identifier"
            if not _IDENTIFIER_CHARS.fullmatch(identifier):
                return f"{part} identifier `{_cut(identifier)}` may only hold [0-9A-Za-z-]"
            if part == "prerelease" and _NUMERIC.fullmatch(identifier) and len(identifier) > 1 and identifier[0] == "0":
                return f"numeric prerelease identifier `{_cut(identifier)}` has a leading zero"
    return f"expected {VERSION_FORMAT}"


@lru_cache(maxsize=65_536)  # the same few strings recur across artifacts and commits
def parse_version(text: str) -> SemVer:
    """Parse a semver 2.0.0 version; raises InvalidVersion, with the reason, for anything else."""
    if not isinstance(text, str):
        raise InvalidVersion(f"{_shown(text)} is not a version: write it as a string ({VERSION_FORMAT})")
    match = _VERSION.fullmatch(text)
    if match is None:
        raise InvalidVersion(f"{_shown(text)} is not a semver version: {_why_invalid(text)}")
    major, minor, patch, pre, build = match.groups()
    if max(len(major), len(minor), len(patch)) > MAX_DIGITS:
        raise InvalidVersion(f"{_shown(text)} has a number longer than {MAX_DIGITS} digits")
    return SemVer(int(major), int(minor), int(patch), pre, build)


def version_order_key(text: str) -> tuple[bool, OrderKey | str]:
    """Sort key for version strings; unparseable strings sort first, so they never look newest."""
    try:
        return (True, parse_version(text).order_key)
    except InvalidVersion:
        return (False, text)


def sort_versions(texts: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The valid versions in precedence order, oldest first (equal precedence: as given), and each invalid
    one with the reason."""
    valid: list[tuple[SemVer, str]] = []
    invalid: list[tuple[str, str]] = []
    for text in texts:
        try:
            valid.append((parse_version(text), text))
        except InvalidVersion as exc:
            invalid.append((text, str(exc)))
    valid.sort(key=lambda pair: pair[0].order_key)
    return [text for _, text in valid], invalid


def newest_first(versions: Iterable[str]) -> list[str]:
    """Version strings in descending precedence; invalid ones last."""
    return sorted(versions, key=version_order_key, reverse=True)
