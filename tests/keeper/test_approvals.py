"""Which approval entries count, and the located message for each that does not (one commit)."""

from __future__ import annotations

from reconciler.keeper.state import derive
from tests.keeper.builders import HEADER, findings, repo

PATH = "artifacts/vpc.yaml"


def version(approvals: str, *, extra: str = "", name: str = "1.0.0") -> str:
    """One version published by alice; its approvals list starts at line 16, entries at line 17, column 11."""
    listed = f"      approvals:\n{approvals}" if approvals else ""
    return f"""\
    - version: {name}
      publishedBy: alice@acme.dev
      publishedAt: 2026-01-01T10:00:00Z
{listed}{extra}"""


def by(*approvers: str) -> str:
    return "".join(f"        - {{by: {a}, at: 2026-01-02T10:00:00Z}}\n" for a in approvers)


def status(head) -> str:
    return derive(head)["vpc"].versions[0].approval_status


def test_a_valid_approval_approves() -> None:
    head = repo(version(by("bob@acme.dev")))
    assert (findings(head), status(head)) == ([], "approved")


def test_self_approval() -> None:
    head = repo(version(by("alice@acme.dev")))
    assert findings(head) == [
        f"{PATH}:16:7: warning: Artifact/vpc: version 1.0.0 is pending: 0 of 1 required valid approvals",
        f"{PATH}:17:11: error: Artifact/vpc: alice@acme.dev published version 1.0.0 and cannot approve it "
        "(preventSelfApproval)",
    ]
    assert status(head) == "pending"


def test_self_approval_allowed_when_explicitly_off() -> None:
    head = repo(version(by("alice@acme.dev")), spec="  approvalPolicy: {preventSelfApproval: false}\n")
    assert (findings(head), status(head)) == ([], "approved")


def _policy(enforcement: str) -> dict[str, str]:
    return {
        "policies/self.yaml": HEADER
        + "kind: Policy\nmetadata:\n  name: self\nspec:\n"
        + f"  enforcementLevel: {enforcement}\n  rules: {{preventSelfApproval: true}}\n"
        + "  bindings: [{scope: global}]\n"
    }


def test_self_approval_under_warn_is_a_warning_and_counts() -> None:
    head = repo(version(by("alice@acme.dev")), extra=_policy("warn"))
    assert findings(head) == [
        f"{PATH}:17:11: warning: Artifact/vpc: alice@acme.dev published version 1.0.0 and cannot approve it "
        "(preventSelfApproval)",
    ]
    assert status(head) == "approved"


def test_self_approval_under_audit_is_recorded_only() -> None:
    head = repo(version(by("alice@acme.dev")), extra=_policy("audit"))
    assert findings(head) == []
    v100 = derive(head)["vpc"].versions[0]
    assert v100.approval_status == "approved"
    assert [(p.index, p.rule) for p in v100.problems] == [(0, "preventSelfApproval")]


def test_approver_of_another_team() -> None:
    head = repo(version(by("pat@acme.dev")))
    assert findings(head) == [
        f"{PATH}:16:7: warning: Artifact/vpc: version 1.0.0 is pending: 0 of 1 required valid approvals",
        f"{PATH}:17:11: error: Artifact/vpc: pat@acme.dev is not a member of Team/platform; "
        "only its admins and operators approve",
    ]


def test_viewer_approving() -> None:
    head = repo(version(by("vic@acme.dev")))
    assert findings(head) == [
        f"{PATH}:16:7: warning: Artifact/vpc: version 1.0.0 is pending: 0 of 1 required valid approvals",
        f"{PATH}:17:11: error: Artifact/vpc: vic@acme.dev is a viewer of Team/platform; "
        "only its admins and operators approve",
    ]


def test_too_few_approvers() -> None:
    head = repo(version(by("bob@acme.dev")), spec="  approvalPolicy: {minApprovers: 2}\n")
    # spec gains one line: the approvals list moves to line 17.
    assert findings(head) == [
        f"{PATH}:17:7: warning: Artifact/vpc: version 1.0.0 is pending: 1 of 2 required valid approvals",
    ]
    assert status(head) == "pending"


def test_duplicate_approver() -> None:
    head = repo(version(by("bob@acme.dev", "Bob@acme.dev")), spec="  approvalPolicy: {minApprovers: 2}\n")
    assert findings(head) == [
        f"{PATH}:17:7: warning: Artifact/vpc: version 1.0.0 is pending: 1 of 2 required valid approvals",
        f"{PATH}:19:11: error: Artifact/vpc: Bob@acme.dev approves version 1.0.0 twice "
        f"(first at {PATH}:18:11); one approval per person",
    ]


def test_approvals_on_a_rejected_version() -> None:
    rejected = "      rejected: {by: carol@acme.dev, at: 2026-01-01T12:00:00Z, reason: No outputs}\n"
    head = repo(version(by("bob@acme.dev"), extra=rejected))
    assert findings(head) == [
        f"{PATH}:17:11: error: Artifact/vpc: version 1.0.0 was rejected (No outputs); "
        "a rejected version cannot be approved",
    ]
    assert status(head) == "rejected"


def test_version_strings_are_semver_and_unique_by_precedence() -> None:
    head = repo(
        version(by("bob@acme.dev"))
        + version("", name="v1.1.0")
        + version("", name="1.0")
        + version("", name="1.0.0+build.7")
        + version("", name="1.0.0")
    )
    assert findings(head) == [
        f"{PATH}:18:7: error: Artifact/vpc: 'v1.1.0' is not a semver version: a leading `v` is not part of a "
        "version (write 1.1.0)",
        f"{PATH}:21:7: error: Artifact/vpc: '1.0' is not a semver version: expected "
        "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], e.g. 1.4.0 or 2.0.0-rc.1",
        f"{PATH}:24:7: error: Artifact/vpc: version 1.0.0+build.7 has the precedence of 1.0.0 (first at {PATH}:13:7):"
        " build metadata does not make another version",
        f"{PATH}:27:7: error: Artifact/vpc: version 1.0.0 is declared twice (first at {PATH}:13:7)",
    ]


def test_metadata_must_match_the_artifact_type() -> None:
    metadata = "      metadata:\n        terraform: {providers: [hashicorp/aws]}\n        helm: {appVersion: 1.0.0}\n"
    head = repo(version(by("bob@acme.dev"), extra=metadata))
    assert findings(head) == [
        f"{PATH}:20:9: error: Artifact/vpc: version 1.0.0: metadata.helm does not apply to a terraform-module "
        "(it takes only metadata.terraform)",
    ]
