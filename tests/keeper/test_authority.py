"""Inline approval policies are judged by the base: a change cannot hand itself a weaker policy."""

from __future__ import annotations

from pathlib import Path

from reconciler.keeper.state import derive
from tests.gitrepo import commit
from tests.keeper.builders import ARTIFACT_PATH, HEADER, TEAMS, artifact, findings, model

PRODUCTION = (
    HEADER
    + """\
kind: Policy
metadata:
  name: production-modules
spec:
  enforcementLevel: block
  rules: {minApprovers: 2, preventSelfApproval: true, autoApprovePatches: false}
  bindings:
    - {scope: namespace, value: networking}
"""
)
BASE_FILES = {**TEAMS, "policies/production.yaml": PRODUCTION}
LENIENT = "  approvalPolicy: {autoApprovePatches: true, minApprovers: 1, preventSelfApproval: false}\n"
ONE_VERSION = """\
    - version: 1.0.0
      publishedBy: vic@acme.dev
      publishedAt: 2026-03-01T10:00:00Z
"""
NEW_PATH = "artifacts/sneaky.yaml"
SNEAKY = {NEW_PATH: artifact(ONE_VERSION, spec=LENIENT, name="sneaky").replace("provider: aws", "provider: gcp")}
RELAXATIONS = [
    "approvalPolicy sets autoApprovePatches to true, weaker than the false the target branch gives this artifact "
    "(Policy/production-modules)",
    "approvalPolicy sets minApprovers to 1, weaker than the 2 the target branch gives this artifact "
    "(Policy/production-modules)",
    "approvalPolicy sets preventSelfApproval to false, weaker than the true the target branch gives this artifact "
    "(Policy/production-modules)",
]


def test_a_new_artifacts_lenient_inline_policy_does_not_judge_the_change_that_adds_it() -> None:
    base, head = model(BASE_FILES), model({**BASE_FILES, **SNEAKY})
    assert findings(head) == []  # on its own, the commit approves itself
    found = findings(head, base, actor="vic@acme.dev")
    assert [f.split(": ", 3)[1:3] for f in found] == [["error", "Artifact/sneaky"]] * 3
    assert [f.split(": ", 3)[3].split("; ")[0] for f in found] == RELAXATIONS
    assert found[0].startswith(f"{NEW_PATH}:12:20: error:")
    assert "only an admin of Team/platform on the target branch may relax it" in found[0]
    version = derive(head, base, actor="vic@acme.dev")["sneaky"].versions[0]
    assert (version.approval_status, version.approved_by, version.required_approvals) == ("pending", None, 2)


def test_an_admin_of_the_owning_team_may_relax_it_and_it_is_reported() -> None:
    base, head = model(BASE_FILES), model({**BASE_FILES, **SNEAKY})
    found = findings(head, base, actor="alice@acme.dev")
    assert [f.split(": ", 3)[1] for f in found] == ["warning"] * 3
    assert found[0].endswith("allowed: alice@acme.dev is an admin of Team/platform on the target branch")
    version = derive(head, base, actor="alice@acme.dev")["sneaky"].versions[0]
    assert (version.approval_status, version.approved_by) == ("approved", "system:auto-approve")


def test_an_admin_of_another_team_or_no_actor_may_not() -> None:
    base, head = model(BASE_FILES), model({**BASE_FILES, **SNEAKY})
    for actor in (None, "pat@acme.dev", "bob@acme.dev"):  # no actor, another team's admin, an operator
        assert [f.split(": ", 3)[1] for f in findings(head, base, actor=actor)] == ["error"] * 3, actor


def test_changing_an_existing_artifacts_inline_policy_below_the_policies_is_refused() -> None:
    base = model({**BASE_FILES, ARTIFACT_PATH: artifact(ONE_VERSION)})
    head = model({**BASE_FILES, ARTIFACT_PATH: artifact(ONE_VERSION, spec="  approvalPolicy: {minApprovers: 1}\n")})
    assert findings(head, base, actor="bob@acme.dev") == [
        f"{ARTIFACT_PATH}:12:20: error: Artifact/vpc: approvalPolicy sets minApprovers to 1, weaker than the 2 the "
        "target branch gives this artifact (Policy/production-modules); only an admin of Team/platform on the "
        "target branch may relax it (--actor), so its versions are judged by 2"
    ]


def test_a_stricter_inline_policy_is_not_reported() -> None:
    base, head = (
        model(BASE_FILES),
        model(
            {
                **BASE_FILES,
                NEW_PATH: artifact(ONE_VERSION, spec="  approvalPolicy: {minApprovers: 3}\n", name="strict").replace(
                    "provider: aws", "provider: gcp"
                ),
            }
        ),
    )
    assert findings(head, base) == []
    assert derive(head, base)["strict"].versions[0].required_approvals == 3


def test_the_viewers_change_fails_validate_with_base(tmp_path: Path, portal) -> None:
    repo = tmp_path / "repo"
    base = commit(repo, BASE_FILES, "base")
    commit(repo, {**BASE_FILES, **SNEAKY}, "a new module")
    result = portal("validate", "--repo", repo, "--base", base, "--actor", "vic@acme.dev")
    assert result.code == 1
    assert [line.split(": ", 3)[1] for line in result.lines] == ["error"] * 3
    admin = portal("validate", "--repo", repo, "--base", base, "--actor", "alice@acme.dev")
    assert admin.code == 0
    assert [line.split(": ", 3)[1] for line in admin.lines] == ["warning"] * 3
