"""A registry key stays with its team, and a registry's history is never deleted: the attacks of the issue on a
real database."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from tests.conftest import PortalRun
from tests.db.conftest import LENIENT, LENIENT_PATH, TemplateRepo, edited, without_vpc
from tests.foundation.repos import HEADER

Query = Callable[..., list[tuple]]
VPC = "artifacts/vpc/artifact.yaml"
TAKEOVER_PATH = "artifacts/payments-vpc.yaml"
TAKEOVER = (
    HEADER
    + """\
kind: Artifact
metadata:
  name: payments-vpc
spec:
  type: terraform-module
  namespace: networking
  name: vpc
  provider: aws
  team: payments
  storage:
    git: {repositoryUrl: https://github.com/evil/terraform-aws-vpc}
  versions:
    - version: 1.2.0
      publishedBy: bob@acme.dev
      publishedAt: 2026-11-01T10:00:00Z
"""
)
HISTORY = {
    "versions": "SELECT count(*) FROM artifact_versions",
    "approvals": "SELECT count(*) FROM version_approvals",
    "audit": "SELECT count(*) FROM audit_logs",
    "vpc 1.2.0": "SELECT v.approval_status, v.published_by, v.storage_ref FROM artifact_versions v"
    " JOIN artifacts a ON a.id = v.artifact_id WHERE a.name = 'vpc' AND v.version = '1.2.0'",
    "vpc": "SELECT document_name, team, status FROM artifacts WHERE name = 'vpc'",
    "marker": "SELECT commit_sha FROM sync_state",
}
TAKEN = (
    "registry key networking/vpc/aws belongs to Team/platform (the archived Artifact/vpc, recorded in the "
    "database); a registry key stays with its team for ever, so Team/payments must publish under another"
)


def _sync(portal: Callable[..., PortalRun], repo: TemplateRepo, url: str) -> PortalRun:
    return portal("db", "sync", "--repo", repo.path, "--ref", "HEAD", "--database-url", url)


def _history(query: Query) -> dict[str, list[tuple]]:
    return {name: query(sql) for name, sql in HISTORY.items()}


def _archive_vpc(portal, repo: TemplateRepo, url: str) -> None:
    assert _sync(portal, repo, url).code == 0
    repo.commit(without_vpc(repo.files), "retire the vpc module")
    assert _sync(portal, repo, url).code == 0


def test_another_team_cannot_take_an_archived_key(portal, template_repo: TemplateRepo, database_url: str, query):
    _archive_vpc(portal, template_repo, database_url)
    before = _history(query)
    assert before["vpc"] == [("vpc", "platform", "archived")]
    template_repo.commit({**template_repo.files, TAKEOVER_PATH: TAKEOVER}, "payments takes the vpc key")

    refused = _sync(portal, template_repo, database_url)
    assert refused.code == 1
    assert refused.lines == [f"{TAKEOVER_PATH}:7:3: error: Artifact/payments-vpc: {TAKEN}"]
    assert refused.err == "1 error(s): nothing synced\n"
    assert _history(query) == before | {"audit": before["audit"]}  # nothing written, not even the audit log

    validated = portal("validate", "--repo", template_repo.path, "--database-url", database_url)
    assert (validated.code, validated.lines) == (1, refused.lines)
    assert portal("validate", "--repo", template_repo.path).code == 0  # without the database it cannot know


def test_validate_reads_the_database_named_by_the_environment(
    portal, template_repo: TemplateRepo, database_url: str, monkeypatch
) -> None:
    _archive_vpc(portal, template_repo, database_url)
    template_repo.commit({**template_repo.files, TAKEOVER_PATH: TAKEOVER})
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    result = portal("validate", "--repo", template_repo.path)
    assert (result.code, result.lines) == (1, [f"{TAKEOVER_PATH}:7:3: error: Artifact/payments-vpc: {TAKEN}"])


def test_a_team_changed_by_a_direct_push_is_refused(portal, template_repo: TemplateRepo, database_url: str, query):
    """No base to compare with: the database still knows whose key it is."""
    assert _sync(portal, template_repo, database_url).code == 0
    before = _history(query)
    template_repo.commit(edited(template_repo.files, VPC, "  team: platform\n", "  team: payments\n"))
    refused = _sync(portal, template_repo, database_url)
    assert refused.code == 1
    assert "registry key networking/vpc/aws belongs to Team/platform (Artifact/vpc, recorded" in refused.out
    assert _history(query) == before


def test_the_same_team_restores_its_key_with_its_history(
    portal, template_repo: TemplateRepo, database_url: str, query
) -> None:
    _archive_vpc(portal, template_repo, database_url)
    before = _history(query)
    restored = TAKEOVER.replace("payments-vpc", "vpc-v2").replace("team: payments", "team: platform")
    restored = restored.replace("bob@acme.dev", "tess@acme.dev").replace("version: 1.2.0", "version: 2.0.0")
    template_repo.commit({**template_repo.files, "artifacts/vpc-v2.yaml": restored}, "the vpc module is back")
    assert _sync(portal, template_repo, database_url).code == 0
    assert query(HISTORY["vpc"]) == [("vpc-v2", "platform", "active")]
    after = _history(query)
    assert after["versions"][0][0] == before["versions"][0][0] + 1  # 2.0.0 added, nothing deleted
    assert after["approvals"] == before["approvals"]
    assert after["vpc 1.2.0"] == before["vpc 1.2.0"]  # the approved release is untouched history
    archived = query(
        "SELECT v.version FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id"
        " WHERE a.name = 'vpc' AND v.archived ORDER BY 1"
    )
    assert ("1.2.0",) in archived and ("2.0.0",) not in archived


def test_a_version_dropped_from_a_live_artifact_is_archived_never_deleted(
    portal, template_repo: TemplateRepo, database_url: str, query
) -> None:
    assert _sync(portal, template_repo, database_url).code == 0
    before = _history(query)
    text = template_repo.files[VPC]
    start = text.index("    - version: 1.0.0")
    end = text.index("    - version: 0.9.0")
    template_repo.commit({**template_repo.files, VPC: text[:start] + text[end:]}, "drop 1.0.0")
    assert _sync(portal, template_repo, database_url).code == 0
    after = _history(query)
    assert (after["versions"], after["approvals"]) == (before["versions"], before["approvals"])
    assert query(
        "SELECT v.archived, count(p.id) FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id"
        " LEFT JOIN version_approvals p ON p.version_id = v.id WHERE a.name = 'vpc' AND v.version = '1.0.0'"
        " GROUP BY 1"
    ) == [(True, 2)]
    assert query("SELECT entity_name FROM audit_logs WHERE action = 'version.archived'") == [("1.0.0",)]
    template_repo.commit({**template_repo.files, VPC: text}, "1.0.0 again")
    assert _sync(portal, template_repo, database_url).code == 0
    assert query(
        "SELECT v.archived FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id"
        " WHERE a.name = 'vpc' AND v.version = '1.0.0'"
    ) == [(False,)]


def test_the_database_refuses_to_delete_a_version_with_approvals(
    portal, template_repo: TemplateRepo, database_url: str
) -> None:
    assert _sync(portal, template_repo, database_url).code == 0
    with psycopg.connect(database_url) as conn, pytest.raises(psycopg.errors.IntegrityError):
        conn.execute("DELETE FROM artifact_versions WHERE id IN (SELECT version_id FROM version_approvals LIMIT 1)")


SUBNETS = (
    "SELECT v.approval_status, v.approved_by, v.approvals_required, a.approval_policy FROM artifact_versions v"
    " JOIN artifacts a ON a.id = v.artifact_id WHERE a.name = 'subnets'"
)


def test_a_lenient_inline_policy_pushed_by_a_viewer_is_not_recorded_as_an_auto_approval(
    portal, template_repo: TemplateRepo, database_url: str, query
) -> None:
    """A direct push (no PR check): the sync judges the inline policy by what the database held."""
    assert _sync(portal, template_repo, database_url).code == 0
    template_repo.commit({**template_repo.files, LENIENT_PATH: LENIENT}, "a module", author="victor@acme.dev")
    assert _sync(portal, template_repo, database_url).code == 0
    in_force = {"autoApprovePatches": False, "minApprovers": 2, "preventSelfApproval": True}
    assert query(SUBNETS) == [("pending", None, 2, in_force)]
    assert query("SELECT count(*) FROM audit_logs WHERE actor = 'system:auto-approve'") == [(0,)]
    # A later commit by anyone but an admin changes nothing: the relaxation needs an admin of the team.
    template_repo.commit(edited(template_repo.files, "teams/platform.yaml", "displayName: ", "displayName: The "))
    assert _sync(portal, template_repo, database_url).code == 0
    assert query(SUBNETS)[0][:2] == ("pending", None)


def test_an_admin_authored_relaxation_is_recorded(portal, template_repo: TemplateRepo, database_url: str, query):
    assert _sync(portal, template_repo, database_url).code == 0
    template_repo.commit({**template_repo.files, LENIENT_PATH: LENIENT}, "a module", author="priya@acme.dev")
    assert _sync(portal, template_repo, database_url).code == 0
    assert query(SUBNETS)[0][:3] == ("approved", "system:auto-approve", 1)


def test_validate_with_an_unreachable_database_is_a_usage_error(portal, template_repo: TemplateRepo) -> None:
    result = portal(
        "validate", "--repo", template_repo.path, "--database-url", "postgresql://reader:s3cret@127.0.0.1:1/portal"
    )
    assert result.code == 2
    assert result.out == ""
    assert "cannot connect to PostgreSQL at 127.0.0.1:1/portal" in result.err
    assert "s3cret" not in result.err and "Traceback" not in result.err


def test_the_first_sync_into_an_empty_database_judges_the_commit_on_its_own(
    portal, template_repo: TemplateRepo, database_url: str, query
) -> None:
    template_repo.commit({**template_repo.files, LENIENT_PATH: LENIENT}, "a module", author="victor@acme.dev")
    assert _sync(portal, template_repo, database_url).code == 0
    assert query(SUBNETS)[0][:3] == ("approved", "system:auto-approve", 1)
