"""Version strings parsed and ordered exactly as Semantic Versioning 2.0.0, on published test lists."""

from __future__ import annotations

import json
import random
from itertools import pairwise
from pathlib import Path

import pytest

from reconciler.keeper.semver import (
    MAX_DIGITS,
    InvalidVersion,
    SemVer,
    newest_first,
    parse_version,
    sort_versions,
)

CASES = json.loads((Path(__file__).parent / "data" / "semver_cases.json").read_text(encoding="utf-8"))
SPEC = CASES["spec_regex"]
NODE = CASES["node_semver"]


def _ascending(texts: list[str]) -> list[str]:
    return sort_versions(texts)[0]


@pytest.mark.parametrize("text", SPEC["valid"])
def test_spec_regex_list_valid(text: str) -> None:
    assert str(parse_version(text)) == text


@pytest.mark.parametrize("text", SPEC["invalid"])
def test_spec_regex_list_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion, match="is not a semver version"):
        parse_version(text)


@pytest.mark.parametrize("chain", CASES["spec_precedence"])
def test_spec_precedence_examples(chain: list[str]) -> None:
    shuffled = random.Random(7).sample(chain, len(chain))
    assert _ascending(shuffled) == chain


@pytest.mark.parametrize(("greater", "lesser"), NODE["greater_than"])
def test_node_semver_comparisons(greater: str, lesser: str) -> None:
    assert parse_version(greater).order_key > parse_version(lesser).order_key
    assert parse_version(greater).sort_text > parse_version(lesser).sort_text
    assert _ascending([greater, lesser]) == [lesser, greater]


@pytest.mark.parametrize(("one", "other"), NODE["equal_precedence"])
def test_node_semver_build_metadata_is_ignored_for_precedence(one: str, other: str) -> None:
    a, b = parse_version(one), parse_version(other)
    assert a.order_key == b.order_key
    assert a.precedence == b.precedence
    assert a.sort_text == b.sort_text
    assert str(a) == one  # but it is kept


@pytest.mark.parametrize(("text", "major", "minor", "patch", "pre", "build"), NODE["valid"])
def test_node_semver_valid_versions(text: str, major: int, minor: int, patch: int, pre: str, build: str) -> None:
    assert parse_version(text) == SemVer(major, minor, patch, pre, build)


@pytest.mark.parametrize("text", NODE["invalid"] + NODE["loose_only"])
def test_node_semver_invalid_and_loose_only_versions_are_refused(text: str) -> None:
    with pytest.raises(InvalidVersion):
        parse_version(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("v1.2.3", "a leading `v` is not part of a version (write 1.2.3)"),
        ("V2.0.0-rc.1", "a leading `V` is not part of a version (write 2.0.0-rc.1)"),
        ("1.0.0-01", "numeric prerelease identifier `01` has a leading zero"),
        ("1.0.0-alpha..1", "it has an empty prerelease identifier"),
        ("1.0.0+", "it has an empty build metadata identifier"),
        (" 1.0.0", "it has surrounding whitespace"),
        ("1.0.0\n", "it has surrounding whitespace"),
        ("1.\u0661.0", "it has non-ASCII characters"),  # ARABIC-INDIC DIGIT ONE: `\d` would take it
        ("\uff11.0.0", "it has non-ASCII characters"),  # FULLWIDTH DIGIT ONE
        ("01.2.3", "major `01` has a leading zero"),
        ("1.2.3-a_b", "prerelease identifier `a_b` may only hold [0-9A-Za-z-]"),
        ("1.2", "expected MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]"),
        ("", "it is empty"),
    ],
)
def test_refusals_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidVersion) as refused:
        parse_version(text)
    assert reason in str(refused.value)


def test_numeric_prerelease_identifiers_compare_as_numbers() -> None:
    assert _ascending(["1.0.0-rc.10", "1.0.0-rc.9", "1.0.0-rc.1"]) == ["1.0.0-rc.1", "1.0.0-rc.9", "1.0.0-rc.10"]


def test_identifiers_may_start_with_a_hyphen_and_sort_as_ascii() -> None:
    assert str(parse_version("1.0.0--1")) == "1.0.0--1"
    # `--1` is alphanumeric, so after every numeric identifier; `-` sorts before letters in ASCII.
    assert _ascending(["1.0.0-a", "1.0.0--1", "1.0.0-99"]) == ["1.0.0-99", "1.0.0--1", "1.0.0-a"]


def test_numbers_beyond_64_bits_are_versions_and_compare_as_numbers() -> None:
    big = "3000000000.0.0-rc.1"
    huge = "18446744073709551616.0.0"
    assert _ascending([huge, big, "2.0.0"]) == ["2.0.0", big, huge]
    assert parse_version(huge).major == 2**64


def test_a_number_past_the_digit_bound_is_refused_not_crashed() -> None:
    with pytest.raises(InvalidVersion, match=f"longer than {MAX_DIGITS} digits"):
        parse_version("1" * (MAX_DIGITS + 1) + ".0.0")
    # Python refuses int() of over 4300 digits; the bound comes first.
    with pytest.raises(InvalidVersion):
        parse_version("9" * 5000 + ".0.0")


def test_sort_text_orders_as_precedence_on_every_listed_version() -> None:
    texts = SPEC["valid"] + [v[0] for v in NODE["valid"]] + [t for pair in NODE["greater_than"] for t in pair]
    parsed = sorted({parse_version(t) for t in texts}, key=lambda v: v.order_key)
    for lower, higher in pairwise(parsed):
        assert (lower.sort_text < higher.sort_text) == (lower.order_key < higher.order_key)
        assert (lower.sort_text == higher.sort_text) == (lower.order_key == higher.order_key)


def test_sort_versions_reports_each_invalid_one() -> None:
    ordered, invalid = sort_versions(["1.10.0", "v1.2.0", "1.2.0-rc.10", "1.2.0-rc.9", "1.0.0-01"])
    assert ordered == ["1.2.0-rc.9", "1.2.0-rc.10", "1.10.0"]
    assert [text for text, _ in invalid] == ["v1.2.0", "1.0.0-01"]


def test_newest_first_puts_invalid_strings_last() -> None:
    assert newest_first(["1.0.0", "junk", "1.0.0-rc.10", "1.0.0-rc.9"]) == [
        "1.0.0",
        "1.0.0-rc.10",
        "1.0.0-rc.9",
        "junk",
    ]


def test_patch_bump() -> None:
    latest = SemVer(1, 2, 0)
    assert SemVer(1, 2, 1).is_patch_bump_of(latest)
    assert not SemVer(1, 3, 0).is_patch_bump_of(latest)
    assert not SemVer(1, 2, 1, "rc.1").is_patch_bump_of(latest)
    assert not SemVer(1, 2, 0).is_patch_bump_of(latest)


def test_a_long_bad_version_is_quoted_short() -> None:
    with pytest.raises(InvalidVersion) as refused:
        parse_version("1.0.0-" + "x_" * 50_000)
    assert len(str(refused.value)) < 200
