"""Version strings as Keeper parses and orders them."""

from __future__ import annotations

import pytest

from reconciler.keeper.semver import InvalidVersion, SemVer, newest_first, parse_version


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1.2.3", SemVer(1, 2, 3)),
        ("v1.2.3", SemVer(1, 2, 3)),
        ("0.0.0", SemVer(0, 0, 0)),
        ("10.20.30-rc.1", SemVer(10, 20, 30, "rc.1")),
        ("v2.0.0-beta-2.x", SemVer(2, 0, 0, "beta-2.x")),
    ],
)
def test_parse(text: str, parsed: SemVer) -> None:
    assert parse_version(text) == parsed


@pytest.mark.parametrize("text", ["1.2", "1.2.3.4", "01.2.3", "1.2.3-", "V1.2.3", "1.2.3+build", "latest", ""])
def test_refuses_what_is_not_a_version(text: str) -> None:
    with pytest.raises(InvalidVersion, match="is not a version"):
        parse_version(text)


def test_order_table() -> None:
    written = ["1.10.0", "v1.2.0", "1.2.0-rc.2", "1.2.0-rc.10", "2.0.0-alpha", "1.9.9", "2.0.0", "0.1.0", "1.2.1"]
    assert newest_first(written) == [
        "2.0.0",
        "2.0.0-alpha",  # a prerelease sorts before its release
        "1.10.0",  # numbers compare as numbers
        "1.9.9",
        "1.2.1",
        "v1.2.0",
        "1.2.0-rc.2",  # prereleases compare as plain strings: "rc.2" > "rc.10"
        "1.2.0-rc.10",
        "0.1.0",
    ]


def test_patch_bump() -> None:
    latest = SemVer(1, 2, 0)
    assert SemVer(1, 2, 1).is_patch_bump_of(latest)
    assert not SemVer(1, 3, 0).is_patch_bump_of(latest)
    assert not SemVer(1, 2, 1, "rc.1").is_patch_bump_of(latest)
    assert not SemVer(1, 2, 0).is_patch_bump_of(latest)
