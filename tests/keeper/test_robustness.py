"""Arbitrary input never raises: version strings of any shape, and any mix of approval entries."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.keeper.semver import InvalidVersion, parse_version, version_order_key
from reconciler.keeper.state import derive
from tests.keeper.builders import findings, repo

VERSION_TEXT = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"v?[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(-[0-9a-z.]{1,6})?", fullmatch=True),
)


@given(VERSION_TEXT)
def test_any_text_parses_or_is_refused(text: str) -> None:
    try:
        parsed = parse_version(text)
    except InvalidVersion:
        assert version_order_key(text) == (False, text)
    else:
        assert parse_version(str(parsed)) == parsed


@given(
    st.lists(
        st.from_regex(
            r"[0-9]\.[0-9]\.[0-9](-(rc|-)\.(0|[1-9][0-9]?)(\.[a-z0-9-]{1,3})?)?(\+[a-z0-9]{1,3})?", fullmatch=True
        ),
        min_size=2,
        max_size=6,
    )
)
def test_order_is_semver_precedence_and_the_database_agrees(texts: list[str]) -> None:
    valid = [t for t in texts if _is_version(t)]
    ordered = sorted(valid, key=version_order_key)
    for lower, higher in pairwise(ordered):
        a, b = parse_version(lower), parse_version(higher)
        assert (a.major, a.minor, a.patch) <= (b.major, b.minor, b.patch)
        if (a.major, a.minor, a.patch) == (b.major, b.minor, b.patch):
            assert a.pre is not None or b.pre is None  # a release never sorts before a prerelease
            if a.pre is not None and b.pre is not None and a.pre.split(".")[:1] == b.pre.split(".")[:1]:
                assert int(a.pre.split(".")[1]) <= int(b.pre.split(".")[1])  # numbers as numbers
        assert a.sort_text <= b.sort_text


def _is_version(text: str) -> bool:
    try:
        parse_version(text)
    except InvalidVersion:
        return False
    return True


PEOPLE = st.sampled_from(["alice@acme.dev", "bob@acme.dev", "carol@acme.dev", "vic@acme.dev", "pat@acme.dev"])
ENTRY = st.tuples(
    st.sampled_from(["1.0.0", "v1.0.0", "1.0.1", "1.1.0-rc.1", "2.0", "1.0.2"]),
    PEOPLE,
    st.lists(PEOPLE, max_size=3),
    st.booleans(),
    st.booleans(),
)


def _yaml(entries: list[tuple[str, str, list[str], bool, bool]]) -> str:
    text = ""
    for day, (version, publisher, approvers, rejected, yanked) in enumerate(entries, start=1):
        text += f"    - version: {version}\n      publishedBy: {publisher}\n"
        text += f"      publishedAt: 2026-01-{day:02d}T10:00:00Z\n"
        if approvers:
            listed = ", ".join(f"{{by: {a}, at: 2026-02-{day:02d}T10:00:00Z}}" for a in approvers)
            text += f"      approvals: [{listed}]\n"
        if rejected:
            text += "      rejected: {by: bob@acme.dev, at: 2026-03-01T10:00:00Z}\n"
        if yanked:
            text += "      yanked: {reason: x, by: bob@acme.dev, at: 2026-03-02T10:00:00Z}\n"
    return text


@settings(max_examples=60, deadline=None)
@given(st.lists(ENTRY, min_size=1, max_size=5), st.lists(ENTRY, min_size=0, max_size=5), st.booleans())
def test_any_versions_derive_and_check_without_raising(before, after, auto: bool) -> None:
    spec = "  approvalPolicy: {autoApprovePatches: true, minApprovers: 2}\n" if auto else ""
    base = repo(_yaml(before) if before else "    []\n", spec=spec)
    head = repo(_yaml(after) if after else "    []\n", spec=spec)
    state = derive(head, base)["vpc"]
    assert sum(v.is_latest for v in state.versions) <= 1
    assert all(not (v.is_latest and v.is_bad) for v in state.versions)
    findings(head, base, actor="bob@acme.dev")
