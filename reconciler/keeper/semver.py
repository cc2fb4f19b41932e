"""Keeper's version strings: `MAJOR.MINOR.PATCH[-PRERELEASE]`, an optional leading `v`.

Ordering follows Keeper rather than the SemVer spec: major, minor and patch compare as numbers, a prerelease
sorts before its release, and two prereleases compare as plain strings (so `rc.10` < `rc.9`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_VERSION = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z][0-9A-Za-z.-]*))?$")
VERSION_FORMAT = "MAJOR.MINOR.PATCH[-PRERELEASE], e.g. 1.4.0 or v2.0.0-rc.1"


class InvalidVersion(ValueError):
    """A version string that is not `MAJOR.MINOR.PATCH[-PRERELEASE]`."""


@dataclass(frozen=True, slots=True)
class SemVer:
    major: int
    minor: int
    patch: int
    pre: str | None = None

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{self.pre}" if self.pre is not None else core

    @property
    def order_key(self) -> tuple[int, int, int, bool, str]:
        """Ascending order: a release (no prerelease) sorts after every prerelease of the same core."""
        return (self.major, self.minor, self.patch, self.pre is None, self.pre or "")

    def is_patch_bump_of(self, other: SemVer) -> bool:
        """Same major.minor, a higher patch, and a release: what `autoApprovePatches` may approve."""
        return self.pre is None and (self.major, self.minor) == (other.major, other.minor) and self.patch > other.patch


@lru_cache(maxsize=65_536)  # the same few strings recur across artifacts and commits
def parse_version(text: str) -> SemVer:
    """Parse a version string; raises InvalidVersion for anything else (nothing is guessed)."""
    match = _VERSION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidVersion(f"{text!r} is not a version ({VERSION_FORMAT})")
    major, minor, patch, pre = match.groups()
    return SemVer(int(major), int(minor), int(patch), pre)


def version_order_key(text: str) -> tuple[int, int, int, bool, str]:
    """Sort key for version strings; unparseable strings sort first, so they never look newest."""
    try:
        return parse_version(text).order_key
    except InvalidVersion:
        return (-1, -1, -1, False, text)


def newest_first(versions: Iterable[str]) -> list[str]:
    """Version strings as Keeper lists them: major, minor, patch descending."""
    return sorted(versions, key=version_order_key, reverse=True)
