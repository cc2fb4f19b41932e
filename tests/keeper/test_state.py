"""Derived version state: approval status, latest, yanks, auto-approval, archived and deprecated artifacts."""

from __future__ import annotations

from datetime import UTC, datetime

from reconciler.keeper.state import AUTO_APPROVER, archived_artifacts, derive
from tests.keeper.builders import TEAMS, artifact, findings, model, repo

V100 = """\
    - version: 1.0.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-01-01T10:00:00Z
      approvals: [{by: bob@acme.dev, at: 2026-01-02T10:00:00Z}]
"""
V110_PENDING = """\
    - version: 1.1.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-02-01T10:00:00Z
"""
V110_APPROVED = V110_PENDING + "      approvals: [{by: bob@acme.dev, at: 2026-02-02T10:00:00Z}]\n"
V090_APPROVED_LAST = """\
    - version: 0.9.1
      publishedBy: alice@acme.dev
      publishedAt: 2026-02-10T10:00:00Z
      approvals: [{by: carol@acme.dev, at: 2026-03-01T10:00:00Z}]
"""
YANK = "      yanked: {reason: Breaks NAT, by: bob@acme.dev, at: 2026-03-05T10:00:00Z}\n"


def latest(versions: str, spec: str = "") -> str | None:
    state = derive(repo(versions, spec=spec))["vpc"]
    return state.latest.version if state.latest else None


def test_latest_moves_only_on_approval_and_skips_yanked() -> None:
    assert latest(V100 + V110_PENDING) == "1.0.0"  # publishing alone does not move latest
    assert latest(V100 + V110_APPROVED) == "1.1.0"
    # Latest is what Terraform and Helm install with no constraint: the highest approved release, whatever the
    # order of approvals (a backport approved last does not become latest).
    assert latest(V100 + V110_APPROVED + V090_APPROVED_LAST) == "1.1.0"
    assert latest(V100 + V110_APPROVED + YANK.replace("Breaks NAT", "Leaks routes")) == "1.0.0"
    assert latest(V110_PENDING) is None


RC_APPROVED_LAST = """\
    - version: 2.0.0-rc.10
      publishedBy: alice@acme.dev
      publishedAt: 2026-03-01T10:00:00Z
      approvals: [{by: bob@acme.dev, at: 2026-03-02T10:00:00Z}]
    - version: 2.0.0-rc.9
      publishedBy: alice@acme.dev
      publishedAt: 2026-02-20T10:00:00Z
      approvals: [{by: bob@acme.dev, at: 2026-03-03T10:00:00Z}]
"""


def test_a_prerelease_is_latest_only_while_no_release_is_approved() -> None:
    assert latest(V100 + RC_APPROVED_LAST) == "1.0.0"  # clients skip prereleases when a release exists
    assert latest(RC_APPROVED_LAST) == "2.0.0-rc.10"  # rc.10 > rc.9 by precedence, though rc.9 was approved last


def test_version_state_fields() -> None:
    state = derive(repo(V100 + V110_PENDING + V090_APPROVED_LAST + YANK))["vpc"]
    assert [(v.version, v.approval_status, v.is_latest, v.is_bad) for v in state.versions] == [
        ("1.1.0", "pending", False, False),
        ("1.0.0", "approved", True, False),
        ("0.9.1", "approved", False, True),
    ]
    v091 = state.version("0.9.1+any.build")
    assert v091 is not None
    assert (v091.major, v091.minor, v091.patch, v091.pre, v091.yank_reason) == (0, 9, 1, None, "Breaks NAT")
    assert (v091.approved_by, v091.approved_at) == ("carol@acme.dev", datetime(2026, 3, 1, 10, tzinfo=UTC))
    assert [a.by for a in v091.approvals] == ["carol@acme.dev"]
    assert (state.team, state.status, state.policy.min_approvers) == ("platform", "active", 1)


def test_threshold_approval_decides_approved_by_and_at() -> None:
    versions = """\
    - version: 1.0.0
      publishedBy: alice@acme.dev
      approvals:
        - {by: carol@acme.dev, at: 2026-01-05T10:00:00Z}
        - {by: bob@acme.dev, at: 2026-01-03T10:00:00Z}
"""
    v100 = derive(repo(versions, spec="  approvalPolicy: {minApprovers: 2}\n"))["vpc"].versions[0]
    assert (v100.approval_status, v100.approved_by, v100.approved_at, v100.required_approvals) == (
        "approved",
        "carol@acme.dev",
        datetime(2026, 1, 5, 10, tzinfo=UTC),
        2,
    )


AUTO = "  approvalPolicy: {autoApprovePatches: true}\n"
V121 = """\
    - version: 1.2.1
      publishedBy: alice@acme.dev
      publishedAt: 2026-05-01T10:00:00Z
"""
V120 = """\
    - version: 1.2.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-04-01T10:00:00Z
      approvals: [{by: bob@acme.dev, at: 2026-04-02T10:00:00Z}]
"""
V110_FIRST = """\
    - version: 1.1.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-03-01T10:00:00Z
"""
V130 = """\
    - version: 1.3.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-05-02T10:00:00Z
"""
V122_RC = """\
    - version: 1.2.2-rc.1
      publishedBy: alice@acme.dev
      publishedAt: 2026-05-03T10:00:00Z
"""


def test_auto_approved_patch() -> None:
    head = repo(V121 + V120 + V130 + V122_RC + V110_FIRST, spec=AUTO)
    state = derive(head)["vpc"]
    assert [(v.version, v.approval_status, v.approved_by, v.is_latest) for v in state.versions] == [
        ("1.3.0", "pending", None, False),  # a minor bump needs a reviewer
        ("1.2.2-rc.1", "pending", None, False),  # so does a prerelease
        ("1.2.1", "approved", AUTO_APPROVER, True),  # a patch bump of the latest, at its publication
        ("1.2.0", "approved", "bob@acme.dev", False),  # a minor bump, reviewed
        ("1.1.0", "approved", AUTO_APPROVER, False),  # the first version, when there is no version yet
    ]
    v121 = state.version("1.2.1")
    assert v121 is not None
    assert v121.approved_at == datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert [(a.by, a.index) for a in v121.approvals] == [(AUTO_APPROVER, None)]
    assert findings(head) == []


def test_auto_approval_needs_the_latest_to_be_approved_before_the_patch_is_published() -> None:
    late_approval = V120.replace("2026-04-02T10:00:00Z", "2026-06-01T10:00:00Z")
    state = derive(repo(V121 + late_approval + V110_FIRST, spec=AUTO))["vpc"]
    assert [(v.version, v.approval_status) for v in state.versions] == [
        ("1.2.1", "pending"),  # when it was published, 1.1.0 was the latest
        ("1.2.0", "approved"),
        ("1.1.0", "approved"),
    ]


def test_auto_approval_skipped_when_runs_are_required() -> None:
    spec = "  approvalPolicy: {autoApprovePatches: true, requirePassingTests: true}\n"
    state = derive(repo(V121 + V120 + V110_FIRST, spec=spec))["vpc"]
    assert state.version("1.2.1").approval_status == "pending"  # type: ignore[union-attr]


def test_auto_approval_approves_a_first_version() -> None:
    state = derive(repo(V130, spec=AUTO))["vpc"]
    assert (state.versions[0].approval_status, state.versions[0].approved_by) == ("approved", AUTO_APPROVER)


def test_deprecated_and_archived_artifacts_stay_known() -> None:
    deprecated = repo(V100, spec="  status: deprecated\n")
    state = derive(deprecated)["vpc"]
    assert (state.status, state.latest.version if state.latest else None) == ("deprecated", "1.0.0")

    head = model(TEAMS)  # the change removes the artifact
    archived = archived_artifacts(deprecated, head)
    assert list(archived) == ["vpc"]
    assert archived["vpc"].status == "archived"
    assert archived["vpc"].latest is not None and archived["vpc"].latest.version == "1.0.0"
    assert derive(head, deprecated) == {}


def test_derive_with_a_base_reads_authority_from_it() -> None:
    base = model({**TEAMS, "artifacts/vpc.yaml": artifact(V110_PENDING)})
    head = repo(
        V110_PENDING.replace("v1.1.0", "1.1.0") + "      approvals: [{by: dan@acme.dev, at: 2026-02-02T10:00:00Z}]\n"
    )
    assert derive(head)["vpc"].versions[0].approval_status == "pending"
    assert derive(head, base)["vpc"].versions[0].approval_status == "pending"
