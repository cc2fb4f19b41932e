"""An approval is bound to what was reviewed: rewriting a pending version voids the approvals given before."""

from __future__ import annotations

from pathlib import Path

from reconciler.keeper.state import derive
from tests.gitrepo import commit
from tests.keeper.builders import ARTIFACT_PATH, TEAMS, artifact, findings, repo

POLICY = "  approvalPolicy: {minApprovers: 2}\n"
RC = """\
    - version: 1.3.0-rc.1
      publishedBy: alice@acme.dev
      publishedAt: 2026-03-01T10:00:00Z
      changelog: Adds IPv6.
      storageRef: {tag: v1.3.0-rc.1}
      approvals:
        - {by: bob@acme.dev, at: 2026-03-02T10:00:00Z}
"""
REWRITTEN = RC.replace("Adds IPv6.", "Adds IPv6 and a NAT gateway.").replace("tag: v1.3.0-rc.1", "ref: evil")


def test_rewriting_a_pending_version_voids_the_approvals_given_before() -> None:
    base = repo(RC, spec=POLICY)
    head = repo(REWRITTEN + "        - {by: carol@acme.dev, at: 2026-03-03T10:00:00Z}\n", spec=POLICY)
    assert findings(head, base) == [
        f"{ARTIFACT_PATH}:19:7: warning: Artifact/vpc: version 1.3.0-rc.1 is pending: 1 of 2 required valid approvals",
        f"{ARTIFACT_PATH}:20:11: error: Artifact/vpc: bob@acme.dev approved version 1.3.0-rc.1 before this change "
        "rewrote its changelog, storageRef; that approval does not count for the new content: remove it and ask "
        "for a new review",
    ]
    state = derive(head, base)["vpc"].version("1.3.0-rc.1")
    assert state is not None
    assert (state.approval_status, [a.by for a in state.approvals]) == ("pending", ["carol@acme.dev"])


def test_the_attack_of_the_review_rewrite_and_a_2099_approval(tmp_path: Path, portal) -> None:
    """The issue's case: rewrite storageRef and changelog, add a second approval dated 2099."""
    git = tmp_path / "repo"
    base = commit(git, {**TEAMS, ARTIFACT_PATH: artifact(RC, spec=POLICY)}, "base")
    head = REWRITTEN + "        - {by: carol@acme.dev, at: 2099-01-01T00:00:00Z}\n"
    commit(git, {**TEAMS, ARTIFACT_PATH: artifact(head, spec=POLICY)}, "rewrite")
    result = portal("validate", "--repo", git, "--base", base)
    assert result.code == 1
    assert [line.split(": ", 3)[-1] for line in result.lines] == [
        "version 1.3.0-rc.1 is pending: 0 of 2 required valid approvals",
        "bob@acme.dev approved version 1.3.0-rc.1 before this change rewrote its changelog, storageRef; that "
        "approval does not count for the new content: remove it and ask for a new review",
        "carol@acme.dev approves version 1.3.0-rc.1 at 2099-01-01T00:00:00Z, later than the commit that records "
        "it; an approval cannot be dated in the future, so it does not count",
    ]


def test_adding_approvals_alone_keeps_the_earlier_ones() -> None:
    base = repo(RC, spec=POLICY)
    head = repo(RC + "        - {by: carol@acme.dev, at: 2026-03-03T10:00:00Z}\n", spec=POLICY)
    assert findings(head, base) == []
    assert derive(head, base)["vpc"].version("1.3.0-rc.1").approval_status == "approved"  # type: ignore[union-attr]


def test_a_yank_of_a_pending_version_is_not_an_edit_of_what_was_reviewed() -> None:
    base = repo(RC, spec=POLICY)
    head = repo(
        RC.replace(
            "      approvals:",
            "      yanked: {reason: CVE, by: bob@acme.dev, at: 2026-03-04T10:00:00Z}\n      approvals:",
        ),
        spec=POLICY,
    )
    assert not [f for f in findings(head, base) if "does not count" in f]
