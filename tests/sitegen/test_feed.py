"""The Atom feed of new versions and approvals, read by feedparser as a feed reader reads it."""

from __future__ import annotations

import feedparser

from reconciler.model.kinds import RepoModel
from sitegen.feed import MAX_ENTRIES, atom_feed
from tests.sitegen.builders import APPROVED, PENDING, registry_artifact, registry_repo

BASE = "https://portal.acme.dev/"
GIT = "{git: {repositoryUrl: https://github.com/acme/terraform-aws-vpc}}"


def repo(versions: str) -> RepoModel:
    artifact = registry_artifact("vpc", "terraform-module", GIT, versions, spec="  provider: aws\n")
    return registry_repo({"vpc": artifact})


def read(feed: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_publications_and_approvals_newest_first_with_links_and_authors() -> None:
    versions = (
        APPROVED.format(version="1.0.0").replace("at: 2026-01-02T10:00:00Z", "at: 2026-01-02T10:00:00Z, comment: LGTM")
        + PENDING.format(version="1.1.0")
        + "      changelog: Adds IPv6 <b>support</b>\n"
    )
    parsed = read(atom_feed(repo(versions), BASE))
    assert parsed.feed.title == "Registry: new versions and approvals"
    assert parsed.feed.updated == "2026-02-01T10:00:00Z"
    assert [(e.title, e.author, e.updated) for e in parsed.entries] == [
        ("networking/vpc/aws 1.1.0 published", "alice@acme.dev", "2026-02-01T10:00:00Z"),
        ("networking/vpc/aws 1.0.0 approved by bob@acme.dev", "bob@acme.dev", "2026-01-02T10:00:00Z"),
        ("networking/vpc/aws 1.0.0 published", "alice@acme.dev", "2026-01-01T10:00:00Z"),
    ]
    assert parsed.entries[0].summary == "Adds IPv6 <b>support</b>"  # text, never markup
    assert parsed.entries[1].summary == "LGTM"
    assert {e.link for e in parsed.entries} == {"https://portal.acme.dev/api/artifact/vpc.json"}
    assert len({e.id for e in parsed.entries}) == 3


def test_ids_are_stable_and_the_same_commit_gives_the_same_bytes() -> None:
    before = repo(APPROVED.format(version="1.0.0"))
    after = repo(APPROVED.format(version="1.0.0") + PENDING.format(version="1.1.0"))
    assert atom_feed(before, BASE) == atom_feed(before, BASE)
    old_ids = {e.id for e in read(atom_feed(before, BASE)).entries}
    new_ids = {e.id for e in read(atom_feed(after, BASE)).entries}
    assert old_ids < new_ids  # a rebuild after a new version adds one entry and keeps the others as they were


def test_the_feed_keeps_the_latest_entries_and_stays_valid_with_control_characters() -> None:
    many = "".join(PENDING.format(version=f"1.{minor}.0") for minor in range(MAX_ENTRIES + 5))
    hostile = (
        PENDING.format(version="9.0.0").replace("2026-02-01", "2026-03-01")
        + '      changelog: "bell \\a and escape \\e ]]> </summary>"\n'
    )
    parsed = read(atom_feed(repo(many + hostile), BASE, page_path=lambda name: f"artifacts/{name}/"))
    assert len(parsed.entries) == MAX_ENTRIES
    newest = parsed.entries[0]
    assert (newest.title, newest.link) == (
        "networking/vpc/aws 9.0.0 published",
        "https://portal.acme.dev/artifacts/vpc/",
    )
    assert newest.summary == "bell  and escape  ]]> </summary>"


def test_a_password_in_a_changelog_or_comment_never_reaches_the_feed() -> None:
    versions = (
        APPROVED.format(version="1.0.0").replace(
            "at: 2026-01-02T10:00:00Z", "at: 2026-01-02T10:00:00Z, comment: 'tried https://u:CANARY-c@git.acme.dev'"
        )
        + "      changelog: Mirrors from https://bot:CANARY-l@git.acme.dev/vpc\n"
    )
    feed = atom_feed(repo(versions), BASE)
    assert b"CANARY" not in feed
    assert {e.get("summary") for e in read(feed).entries} >= {
        "Mirrors from https://bot:***@git.acme.dev/vpc",
        "tried https://u:***@git.acme.dev",
    }
