"""Approvals bound to real reviews: `portal check --reviews` accepts an approval the change adds only when the
member it names approved the head commit, by the login the base's Teams give them. The attacker's tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.check.reviews import Review, Reviews, ReviewsError, parse_reviews, review_refusal, same_login
from tests.check.builders import ARTIFACT_PATH, TEAM, approved_by, change
from tests.conftest import write_files
from tests.foundation.repos import valid_repo

HEAD = "a" * 40
OLDER = "b" * 40
WHERE = f"{ARTIFACT_PATH}:16:19: error: Artifact/vpc: the approval of version 1.1.0 by bob@acme.dev matches no"
PENDING_WARNING = (
    f"{ARTIFACT_PATH}:16:7: warning: Artifact/vpc: version 1.1.0 is pending: 0 of 1 required valid approvals"
)


def github(*reviews: tuple[str, str, str | None]) -> list[dict[str, Any]]:
    """GitHub's reviews list: (login, state, commit)."""
    return [
        {"id": i + 1, "user": {"login": login, "type": "User"}, "state": state, "commit_id": commit}
        for i, (login, state, commit) in enumerate(reviews)
    ]


def run_check(
    tmp_path: Path, portal, reviews: Any, *approvers: str, head_team: str = TEAM, extra: tuple[str, ...] = ()
):
    repo, base, head = change(tmp_path, {ARTIFACT_PATH: approved_by(*approvers), "teams/payments.yaml": head_team})
    text = json.dumps(reviews(head, base) if callable(reviews) else reviews)
    path = tmp_path / "reviews.json"
    path.write_text(text, encoding="utf-8")
    result = portal("check", "--repo", repo, "--base", base, "--reviews", path, "--format", "json", *extra)
    return result, json.loads(result.out) if result.out else None


def messages(report: dict[str, Any]) -> list[str]:
    return [
        f"{f['path']}:{f['line']}:{f['column']}: {f['severity']}: {f['subject']}: {f['message']}"
        for f in report["findings"]
    ]


def test_an_approval_backed_by_the_members_review_of_the_head_passes(tmp_path: Path, portal) -> None:
    # The login is written Bob-GH in the team: logins compare without case, as GitHub compares them.
    result, report = run_check(
        tmp_path, portal, lambda head, base: github(("bob-gh", "APPROVED", head)), "bob@acme.dev"
    )
    assert result.code == 0, result.out
    assert report["findings"] == []
    assert [(a["by"], a["valid"], a["why"]) for a in report["keeper"]["approvals"]] == [("bob@acme.dev", True, None)]
    assert [c["change"] for c in report["keeper"]["changes"]] == ["approved", "latest"]


@pytest.mark.parametrize(
    ("reviews", "why"),
    [
        pytest.param(
            lambda h, b: github(("alice-gh", "APPROVED", h)), "there is no review by Bob-GH", id="someone-else"
        ),
        pytest.param(
            lambda h, b: github(("bob-gh", "APPROVED", b)),
            "Bob-GH approved {b}, not the head commit {h}",
            id="older-commit",
        ),
        pytest.param(
            lambda h, b: github(("bob-gh", "APPROVED", h), ("bob-gh", "CHANGES_REQUESTED", h)),
            "the latest review by Bob-GH is CHANGES_REQUESTED",
            id="changes-requested-after-approval",
        ),
        pytest.param(
            lambda h, b: github(("bob-gh", "DISMISSED", h)), "the latest review by Bob-GH is DISMISSED", id="dismissed"
        ),
        pytest.param(
            lambda h, b: github(("dana-gh", "APPROVED", h)), "there is no review by Bob-GH", id="member-of-another-team"
        ),
        pytest.param(
            lambda h, b: github(("b\u043eb-gh", "APPROVED", h)), "there is no review by Bob-GH", id="cyrillic-o"
        ),
        pytest.param(lambda h, b: github(("bob-gh", "COMMENTED", h)), "Bob-GH only commented", id="only-commented"),
        pytest.param(lambda h, b: github(("bob-gh", "PENDING", None)), "Bob-GH only commented", id="pending-draft"),
    ],
)
def test_an_approval_without_the_members_approving_review_of_the_head_is_an_error(
    tmp_path: Path, portal, reviews: Any, why: str
) -> None:
    commits: dict[str, str] = {}

    def recorded(head: str, base: str) -> Any:
        commits.update(h=head[:12], b=base[:12])
        return reviews(head, base)

    result, report = run_check(tmp_path, portal, recorded, "bob@acme.dev")
    assert result.code == 1
    expected = f"{WHERE} approving review of the head commit: {why.format(**commits)}"
    assert messages(report) == [expected]
    assert [f["rule"] for f in report["findings"]] == ["reviews"]  # its own kind, for SARIF, JUnit and GitLab
    assert [(a["valid"], a["why"]) for a in report["keeper"]["approvals"]] == [(False, why.format(**commits))]
    assert report["keeper"]["changes"] == [], "an unbacked approval still shows the version approved"


def test_a_later_comment_does_not_withdraw_an_approval(tmp_path: Path, portal) -> None:
    reviews = lambda h, b: github(("bob-gh", "APPROVED", b), ("bob-gh", "APPROVED", h), ("bob-gh", "COMMENTED", h))  # noqa: E731
    result, report = run_check(tmp_path, portal, reviews, "bob@acme.dev")
    assert (result.code, report["findings"]) == (0, [])


def test_the_change_cannot_give_a_member_the_reviewers_login(tmp_path: Path, portal) -> None:
    """Logins are read from the base: remapping bob to the author's own account in the same change is useless."""
    remapped = TEAM.replace("github: Bob-GH", "github: mallory-gh")
    result, report = run_check(
        tmp_path, portal, lambda h, b: github(("mallory-gh", "APPROVED", h)), "bob@acme.dev", head_team=remapped
    )
    assert result.code == 1
    assert messages(report) == [f"{WHERE} approving review of the head commit: there is no review by Bob-GH"]


def test_a_member_without_a_login_cannot_be_matched(tmp_path: Path, portal) -> None:
    result, report = run_check(tmp_path, portal, lambda h, b: github(("carol", "APPROVED", h)), "carol@acme.dev")
    assert result.code == 1
    assert messages(report) == [
        f"{ARTIFACT_PATH}:16:19: error: Artifact/vpc: the approval of version 1.1.0 by carol@acme.dev matches no "
        "approving review of the head commit: carol@acme.dev has no github login in Team/payments on the target branch"
    ]


def test_each_added_approval_needs_its_own_review(tmp_path: Path, portal) -> None:
    result, report = run_check(
        tmp_path, portal, lambda h, b: github(("bob-gh", "APPROVED", h)), "bob@acme.dev", "alice@acme.dev"
    )
    assert result.code == 1
    assert [(a["by"], a["valid"]) for a in report["keeper"]["approvals"]] == [
        ("bob@acme.dev", True),
        ("alice@acme.dev", False),
    ]


def test_gitlab_approvals_bind_to_the_sha_they_carry(tmp_path: Path, portal) -> None:
    def approvals(sha: str) -> dict[str, Any]:
        return {"iid": 7, "sha": sha, "approved_by": [{"user": {"username": "bob.gl", "id": 2}}]}

    good, report = run_check(tmp_path / "good", portal, lambda h, b: approvals(h), "bob@acme.dev")
    assert (good.code, report["findings"]) == (0, [])
    stale, report = run_check(tmp_path / "stale", portal, lambda h, b: approvals(b), "bob@acme.dev")
    assert stale.code == 1
    assert "bob.gl approved" in messages(report)[0]


def test_gitlab_approvals_without_a_sha_are_refused(tmp_path: Path, portal) -> None:
    result, _ = run_check(tmp_path, portal, {"approved_by": [{"user": {"username": "bob.gl"}}]}, "bob@acme.dev")
    assert result.code == 2
    assert "carry no `sha`" in result.err
    assert result.out == ""


def test_the_pull_requests_author_is_found_by_login(tmp_path: Path, portal) -> None:
    reviews = lambda h, b: github(("bob-gh", "APPROVED", h))  # noqa: E731
    result, report = run_check(tmp_path, portal, reviews, "bob@acme.dev", extra=("--actor-login", "BOB-gh"))
    assert result.code == 1
    assert messages(report) == [
        f"{ARTIFACT_PATH}:16:19: error: Artifact/vpc: bob@acme.dev is the author of this change and cannot approve "
        "in it",
        PENDING_WARNING,
    ]


def test_actor_and_actor_login_together_are_a_usage_error(tmp_path: Path, portal) -> None:
    result, _ = run_check(tmp_path, portal, [], "bob@acme.dev", extra=("--actor", "a@acme.dev", "--actor-login", "x"))
    assert result.code == 2
    assert "not allowed with argument" in result.err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"user": {"login": "bob"}, "state": "APPROVED",', "reviews.json:1:49: not JSON: Expecting property name"),
        ('[{"state": "APPROVED"}]', "reviews.json: review [0] has no user"),
        ('[{"user": {"login": 7}, "state": "APPROVED"}]', "reviews.json: review [0] user.login is not"),
        ('{"reviews": []}', "reviews.json: neither GitHub's pull request reviews"),
    ],
)
def test_an_unreadable_reviews_file_is_a_located_usage_error(tmp_path: Path, portal, text: str, message: str) -> None:
    repo, base, _ = change(tmp_path, {ARTIFACT_PATH: approved_by("bob@acme.dev")})
    path = tmp_path / "reviews.json"
    path.write_text(text, encoding="utf-8")
    result = portal("check", "--repo", repo, "--base", base, "--reviews", path)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


def test_logins_compare_as_ascii_without_case() -> None:
    assert same_login("Bob-GH", "bob-gh")
    assert "\u212aarol".lower() == "karol"  # the Kelvin sign lower-cases to a k...
    assert not same_login("\u212aarol", "karol")  # ...but it is no login


def test_the_latest_decisive_review_decides() -> None:
    reviews = Reviews(
        "github",
        (Review("bob", "APPROVED", HEAD), Review("bob", "DISMISSED", HEAD), Review("bob", "APPROVED", OLDER)),
    )
    assert review_refusal(reviews, "bob", HEAD) == f"bob approved {OLDER[:12]}, not the head commit {HEAD[:12]}"
    again = Reviews("github", (*reviews.reviews, Review("bob", "APPROVED", HEAD)))
    assert review_refusal(again, "bob", HEAD) is None


def test_a_reviews_file_that_is_not_json_names_the_place() -> None:
    with pytest.raises(ReviewsError, match=r"^r\.json:2:1: not JSON"):
        parse_reviews("[\n", "r.json")


@pytest.mark.parametrize("login", ["al ice", "\u212aarol", "-alice", "x" * 40])
def test_a_login_that_no_git_host_allows_is_a_located_error(tmp_path: Path, portal, login: str) -> None:
    team = TEAM.replace("github: vic-gh", f"github: {json.dumps(login)}")
    write_files(tmp_path / "repo", {**valid_repo(), "teams/payments.yaml": team})
    result = portal("validate", tmp_path / "repo")
    assert result.code == 1
    assert result.lines[0].startswith("teams/payments.yaml:12:")
    assert "spec.access.users[3].github" in result.lines[0]


def test_a_review_by_a_deleted_account_is_nobodys() -> None:
    reviews = parse_reviews(
        json.dumps([{"user": None, "state": "APPROVED", "commit_id": HEAD}, *github(("bob", "APPROVED", HEAD))]), "r"
    )
    assert reviews.reviews == (Review("bob", "APPROVED", HEAD),)
