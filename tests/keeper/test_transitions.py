"""Rules between a base and a head commit, and authority read from the base."""

from __future__ import annotations

from reconciler.keeper.state import derive
from tests.keeper.builders import PLATFORM_TEAM, TEAMS, artifact, findings, model, repo

PATH = "artifacts/vpc.yaml"
V110 = """\
    - version: 1.1.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-02-01T10:00:00Z
"""
V100 = """\
    - version: 1.0.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-01-01T10:00:00Z
      changelog: First cut.
      approvals: [{by: bob@acme.dev, at: 2026-01-02T10:00:00Z}]
"""
V090 = """\
    - version: 0.9.0
      publishedBy: alice@acme.dev
      publishedAt: 2025-12-01T10:00:00Z
      approvals: [{by: bob@acme.dev, at: 2025-12-02T10:00:00Z}]
      yanked: {reason: Leaks state, by: bob@acme.dev, at: 2025-12-20T10:00:00Z}
"""
V080 = """\
    - version: 0.8.0
      publishedBy: alice@acme.dev
      publishedAt: 2025-11-01T10:00:00Z
      rejected: {by: bob@acme.dev, at: 2025-11-02T10:00:00Z, reason: No outputs}
"""
VERSIONS = V110 + V100 + V090 + V080  # 1.1.0 at line 13, 1.0.0 at 16, 0.9.0 at 21, 0.8.0 at 26
APPROVAL_OF_V110 = "      approvals: [{by: carol@acme.dev, at: 2026-02-02T10:00:00Z}]\n"
BASE = repo(VERSIONS)


def test_an_unchanged_repo_is_clean() -> None:
    assert findings(BASE, BASE) == []


def test_approving_a_pending_version() -> None:
    head = repo(V110 + APPROVAL_OF_V110 + V100 + V090 + V080)
    assert findings(head, BASE) == []
    assert derive(head, BASE)["vpc"].latest.version == "1.1.0"  # type: ignore[union-attr]


def test_edit_an_approved_versions_changelog() -> None:
    head = repo(VERSIONS.replace("First cut.", "First cut, with IPv6."))
    assert findings(head, BASE) == [
        f"{PATH}:19:7: error: Artifact/vpc: version 1.0.0 is approved, so its changelog cannot change; "
        "publish a new version instead",
    ]


def test_yanking_an_approved_version_is_the_one_change_allowed() -> None:
    yank = "      yanked: {reason: Broken, by: bob@acme.dev, at: 2026-03-01T10:00:00Z}\n"
    head = repo(V110 + V100 + yank + V090 + V080)
    assert findings(head, BASE) == []
    assert derive(head, BASE)["vpc"].latest is None


def test_delete_a_version() -> None:
    head = repo(V110 + V090 + V080)
    assert findings(head, BASE) == [
        f"{PATH}:12:3: error: Artifact/vpc: version 1.0.0 was deleted; versions are never deleted, yank it instead",
    ]


def test_un_yank() -> None:
    head = repo(V110 + V100 + V090.replace(V090.splitlines(keepends=True)[-1], "") + V080)
    assert (
        findings(head, BASE)
        == [
            f"{PATH}:21:7: error: Artifact/vpc: version 0.9.0 was yanked (Leaks state); a yank is never undone",
            f"{PATH}:21:7: error: Artifact/vpc: version 0.9.0 is approved, so its yanked cannot change; "
            "publish a new version instead",
        ][:1]
    )


def test_approve_a_rejected_version() -> None:
    unrejected = V080.replace(V080.splitlines(keepends=True)[-1], "")
    approval = "      approvals: [{by: bob@acme.dev, at: 2026-03-01T10:00:00Z}]\n"
    head = repo(V110 + V100 + V090 + unrejected + approval)
    assert findings(head, BASE) == [
        f"{PATH}:26:7: error: Artifact/vpc: version 0.8.0 was rejected (No outputs); a rejection is final and "
        "cannot be removed",
    ]


def test_change_an_artifacts_team() -> None:
    head = model({**TEAMS, PATH: artifact(VERSIONS, team="payments")})
    assert findings(head, BASE) == [
        f"{PATH}:9:3: error: Artifact/vpc: the team cannot change (was platform); an artifact keeps its owner",
    ]


def test_change_an_artifacts_registry_key() -> None:
    head = model({**TEAMS, PATH: artifact(VERSIONS).replace("namespace: networking", "namespace: network")})
    assert findings(head, BASE) == [
        f"{PATH}:7:3: error: Artifact/vpc: the registry key cannot change: namespace was 'networking', now 'network'",
    ]


def test_removing_an_artifact_archives_it_but_its_key_stays_taken() -> None:
    assert findings(model(TEAMS), BASE) == []
    renamed = model({**TEAMS, "artifacts/vpc2.yaml": artifact(VERSIONS, name="vpc2", spec="  name: vpc\n")})
    assert findings(renamed, BASE) == [
        "artifacts/vpc2.yaml:7:3: error: Artifact/vpc2: registry key networking/vpc/aws belongs to Artifact/vpc, "
        "which this change removes; an artifact keeps its name and registry key",
    ]


def test_adding_oneself_as_admin_and_approving_in_the_same_change_is_refused() -> None:
    promoted = PLATFORM_TEAM + "      - {name: dan@acme.dev, role: admin}\n"
    approval = "      approvals: [{by: dan@acme.dev, at: 2026-02-02T10:00:00Z}]\n"
    head = model({**TEAMS, "teams/platform.yaml": promoted, PATH: artifact(V110 + approval + V100 + V090 + V080)})
    assert findings(head) == []  # judged on its own, the commit looks fine
    assert findings(head, BASE) == [
        f"{PATH}:16:7: warning: Artifact/vpc: version 1.1.0 is pending: 0 of 1 required valid approvals",
        f"{PATH}:16:19: error: Artifact/vpc: dan@acme.dev is not a member of Team/platform on the target branch; "
        "only its admins and operators approve (a role this change grants counts only once it is merged)",
    ]
    assert derive(head, BASE)["vpc"].latest.version == "1.0.0"  # type: ignore[union-attr]


def test_actor_approving_their_own_version_is_refused() -> None:
    spec = "  approvalPolicy: {preventSelfApproval: false}\n"
    base = repo(VERSIONS, spec=spec)
    head = repo(V110 + APPROVAL_OF_V110.replace("carol", "alice") + V100 + V090 + V080, spec=spec)
    assert findings(head, base) == []  # the publisher may approve under this policy ...
    assert findings(head, base, actor="Alice@acme.dev") == [  # ... but not in a change they author
        f"{PATH}:17:7: warning: Artifact/vpc: version 1.1.0 is pending: 0 of 1 required valid approvals",
        f"{PATH}:17:19: error: Artifact/vpc: alice@acme.dev is the author of this change and cannot approve in it",
    ]


def test_actor_rule_only_concerns_approvals_the_change_adds() -> None:
    assert findings(BASE, BASE, actor="bob@acme.dev") == []


def test_approvals_already_on_the_base_are_not_judged_again() -> None:
    without_bob = PLATFORM_TEAM.replace("      - {name: bob@acme.dev, role: operator}\n", "")
    base = model({**TEAMS, "teams/platform.yaml": without_bob, PATH: artifact(VERSIONS)})
    head = model({**TEAMS, "teams/platform.yaml": without_bob, PATH: artifact(VERSIONS.replace("First", "1st"))})
    # bob left the team after approving 1.0.0: the approval stays, and 1.0.0 stays immutable.
    assert findings(head, base) == [
        f"{PATH}:19:7: error: Artifact/vpc: version 1.0.0 is approved, so its changelog cannot change; "
        "publish a new version instead",
    ]


def test_a_change_cannot_relax_the_policy_that_judges_it() -> None:
    strict = "  approvalPolicy: {minApprovers: 2}\n"
    base = repo(V110 + V080, spec=strict)
    relaxed = "  approvalPolicy: {minApprovers: 1}\n"
    head = repo(V110 + APPROVAL_OF_V110 + V080, spec=relaxed)
    assert findings(head) == []  # on its own, the relaxed policy would approve 1.1.0 ...
    assert findings(head, base) == [  # ... but the policy on the target branch still asks for two
        f"{PATH}:17:7: warning: Artifact/vpc: version 1.1.0 is pending: 1 of 2 required valid approvals",
    ]


def test_a_policy_added_by_the_change_applies_only_once_merged() -> None:
    policy = (
        "apiVersion: portal.butlerlabs.dev/v1alpha1\nkind: Policy\nmetadata:\n  name: lenient\nspec:\n"
        "  rules: {preventSelfApproval: false}\n  bindings: [{scope: global}]\n"
    )
    head = repo(V110 + APPROVAL_OF_V110.replace("carol", "alice") + V100 + V090 + V080, extra={"p.yaml": policy})
    assert findings(head) == []
    assert findings(head, BASE) == [
        f"{PATH}:16:7: warning: Artifact/vpc: version 1.1.0 is pending: 0 of 1 required valid approvals",
        f"{PATH}:16:19: error: Artifact/vpc: alice@acme.dev published version 1.1.0 and cannot approve it "
        "(preventSelfApproval)",
    ]


def test_a_stricter_policy_does_not_turn_recorded_approvals_into_errors() -> None:
    self_approved = V100.replace("bob@acme.dev", "alice@acme.dev")
    base = repo(V110 + self_approved)  # merged while the policy allowed it; preventSelfApproval is now on
    head = repo(V110 + self_approved + "      yanked: {reason: Old, by: bob@acme.dev, at: 2026-03-01T10:00:00Z}\n")
    assert findings(head, base) == []
    assert derive(head, base)["vpc"].version("1.0.0").approval_status == "approved"  # type: ignore[union-attr]


def test_rewriting_a_rejection_is_refused() -> None:
    head = repo(VERSIONS.replace("reason: No outputs", "reason: Fine after all"))
    assert findings(head, BASE) == [
        f"{PATH}:29:7: error: Artifact/vpc: version 0.8.0 is rejected; its rejection record cannot change",
    ]


def test_changing_the_publisher_to_approve_ones_own_version_is_refused() -> None:
    republished = V110.replace("publishedBy: alice@acme.dev", "publishedBy: bob@acme.dev")
    head = repo(republished + APPROVAL_OF_V110.replace("carol", "alice") + V100 + V090 + V080)
    assert findings(head, BASE) == [
        f"{PATH}:14:7: error: Artifact/vpc: version 1.1.0 was published by alice@acme.dev; its publishedBy "
        "cannot change",
    ]


def test_a_new_version_cannot_be_backdated() -> None:
    backdated = V110.replace("1.1.0", "3.0.0").replace("2026-02-01", "2025-01-01")
    head = repo(backdated + VERSIONS)
    assert findings(head, BASE) == [
        f"{PATH}:15:7: error: Artifact/vpc: version 3.0.0 is new but published at 2025-01-01T10:00:00+00:00, "
        "before versions already published (the newest at 2026-02-01T10:00:00+00:00); a new version cannot be "
        "backdated",
    ]
