"""The one YAML loader every input goes through: merge keys, alias limits, and values no store can hold."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

from reconciler.load.yaml_documents import parse_documents
from tests.conftest import write_files
from tests.foundation.repos import TEAM, valid_repo
from tests.keeper.builders import artifact

# The 980 kB file of the report: one 500 kB anchored string, written out again by 160,000 aliases.
SCALAR_BOMB = 'a: &a "' + "x" * 500_000 + '"\nb: [' + ",".join(["*a"] * 160_000) + "]\n"


def test_a_scalar_alias_bomb_is_refused_quickly_in_little_memory() -> None:
    assert len(SCALAR_BOMB) < 1024 * 1024  # small enough to get past the file size limit
    tracemalloc.start()
    started = time.monotonic()
    try:
        documents, problems = parse_documents(SCALAR_BOMB, "teams/bomb.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    kept = len(documents)  # never in an assert: a failure would print the expanded documents
    del documents
    assert kept == 0
    assert [p.format() for p in problems] == [
        "teams/bomb.yaml:1:4: error: invalid YAML: aliases expand to too many values (an alias bomb?); "
        "write the values out"
    ]
    assert time.monotonic() - started < 10
    assert peak < 100 * 1024 * 1024


def test_many_short_aliases_count_as_much_as_long_ones() -> None:
    text = "a: &a [" + ", ".join("x" * 1000) + "]\nb: [" + ", ".join(["*a"] * 5_000) + "]\n"
    documents, problems = parse_documents(text, "bomb.yaml")
    assert documents == [] and "alias bomb" in problems[0].message


def test_anchors_used_as_people_use_them_are_fine() -> None:
    defaults = "{" + ", ".join(f"k{i}: {'v' * 40}" for i in range(50)) + "}"
    text = f"defaults: &d {defaults}\n" + "".join(f"item{i}: {{<<: *d, name: n{i}}}\n" for i in range(9))
    documents, problems = parse_documents(text, "ok.yaml")
    assert problems == []
    assert documents[0].value["item8"]["name"] == "n8" and documents[0].value["item8"]["k49"] == "v" * 40


def test_merge_keys_follow_yaml_an_explicit_key_wins_wherever_it_is_written() -> None:
    text = """\
before:
  displayName: B
  <<: {displayName: A, description: from A}
after:
  <<: {displayName: A, description: from A}
  displayName: B
listed:
  <<: [{a: 1, b: 1}, {b: 2, c: 2}]
  c: 3
nested:
  <<: {<<: {deep: 1, shallow: 1}, shallow: 2}
"""
    documents, problems = parse_documents(text, "merge.yaml")
    assert problems == []
    value = documents[0].value
    assert value["before"] == {"displayName": "B", "description": "from A"}
    assert value["after"] == {"displayName": "B", "description": "from A"}
    assert value["listed"] == {"a": 1, "b": 1, "c": 3}
    assert value["nested"] == {"deep": 1, "shallow": 2}
    # Each value is placed where it is written: the explicit key, or inside the merged mapping.
    assert documents[0].positions[("after", "displayName")] == (6, 3)
    assert documents[0].positions[("after", "description")] == (5, 24)


def test_two_explicit_keys_stay_a_duplicate_even_beside_a_merge() -> None:
    text = "m:\n  <<: {a: 1}\n  a: 2\n  a: 3\n"
    documents, problems = parse_documents(text, "dup.yaml")
    assert documents == []
    assert [p.format() for p in problems] == [
        "dup.yaml:4:3: error: invalid YAML: duplicate key 'a' (first defined at line 3, column 3)"
    ]


def test_a_merge_of_something_other_than_a_mapping_is_a_located_error() -> None:
    _, problems = parse_documents("m:\n  <<: [1]\n", "merge.yaml")
    assert [p.format() for p in problems] == [
        "merge.yaml:2:8: error: invalid YAML: a merge key (<<) takes a mapping or a list of mappings"
    ]


def test_a_team_with_a_merge_key_and_its_own_display_name_validates(tmp_path: Path, portal) -> None:
    team = TEAM.replace("  displayName: Payments\n", "  <<: {displayName: A}\n  displayName: Payments\n")
    write_files(tmp_path / "repo", valid_repo() | {"teams/payments.yaml": team})
    result = portal("validate", tmp_path / "repo")
    assert (result.code, result.lines) == (0, [])


def test_values_the_database_cannot_hold_are_located_errors(tmp_path: Path, portal) -> None:
    team = TEAM.replace("displayName: Payments", 'displayName: "Pay\\0ments"')
    version = "    - version: 1.1.0\n      publishedBy: alice@acme.dev\n      publishedAt: 2026-02-01T10:00:00Z\n"
    vpc = artifact(version + "      sizeBytes: 9223372036854775808\n", team="payments")
    write_files(tmp_path / "repo", valid_repo() | {"teams/payments.yaml": team, "artifacts/vpc.yaml": vpc})
    result = portal("validate", tmp_path / "repo")
    assert result.code == 1
    assert [line for line in result.lines if ": error: " in line] == [
        "artifacts/vpc.yaml:16:7: error: Artifact/vpc: spec.versions[0].sizeBytes: 9223372036854775808 is out "
        "of range: the database holds integers from -9223372036854775808 to 9223372036854775807",
        "teams/payments.yaml:6:3: error: Team/payments: spec.displayName: the value holds a NUL character, which "
        "the database cannot store",
    ]


def test_integers_at_the_edges_of_bigint_are_kept() -> None:
    documents, problems = parse_documents("a: 9223372036854775807\nb: -9223372036854775808\n", "ok.yaml")
    assert problems == [] and documents[0].unstorable == ()


def test_not_a_number_and_infinity_are_noted_wherever_they_are() -> None:
    documents, _ = parse_documents("a: [.nan]\nb: {c: -.inf}\nd: 1.0e+400\ne: '.nan'\n", "f.yaml")
    assert [where for where, _ in documents[0].unstorable] == [("a", 0), ("b", "c"), ("d",)]


def test_a_nul_in_a_key_is_noted_at_the_key() -> None:
    documents, _ = parse_documents('log: {"lev\\0el": error}\n', "f.yaml")
    assert documents[0].unstorable == (
        (("log", "lev\0el"), "the key holds a NUL character, which the database cannot store"),
    )
    assert documents[0].positions[("log", "lev\0el")] == (1, 7)


def test_values_nested_too_deep_for_the_builder_are_a_located_error() -> None:
    text = "a:\n" + "".join("  " * (i + 1) + "b:\n" for i in range(300))
    _, problems = parse_documents(text, "deep.yaml")
    assert [p.format() for p in problems] == [
        "deep.yaml:201:401: error: invalid YAML: values are nested more than 200 levels deep"
    ]


def test_a_mapping_that_merges_itself_is_a_located_error() -> None:
    _, problems = parse_documents("a: &a {b: 1, <<: *a}\n", "merge.yaml")
    assert [p.format() for p in problems] == [
        "merge.yaml:1:4: error: invalid YAML: a mapping merges itself (through <<)"
    ]
