"""Syncing the starter repo: rows match the YAML, a re-sync writes nothing, each change writes exactly its rows."""

from __future__ import annotations

from collections.abc import Callable

from reconciler.db.tables import SYNCED_TABLES
from reconciler.keeper.state import recorded_state
from reconciler.load.sources import working_tree
from reconciler.validate import validate_source
from tests.conftest import PortalRun
from tests.db.conftest import (
    TEMPLATE_ROOT,
    TemplateRepo,
    edited,
    table_writes,
    template_files,
    without,
    without_vpc,
    writes_between,
)

Query = Callable[..., list[tuple]]
VPC = "artifacts/vpc/artifact.yaml"
VPC_VERSIONS = (
    "SELECT count(*) FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id WHERE a.document_name = 'vpc'"
)


def sync(portal: Callable[..., PortalRun], repo: TemplateRepo, url: str) -> PortalRun:
    result = portal("db", "sync", "--repo", repo.path, "--ref", "HEAD", "--database-url", url)
    assert result.code == 0, result.err + result.out
    return result


def test_the_template_synced_matches_its_yaml(portal, template_repo: TemplateRepo, database_url: str, query: Query):
    sync(portal, template_repo, database_url)
    model = validate_source(working_tree(TEMPLATE_ROOT)).model
    states = recorded_state(model)

    assert {r[0] for r in query("SELECT name FROM teams")} == set(model.teams)
    assert {r[0] for r in query("SELECT name FROM clusters")} == set(model.clusters)
    assert {(r[0], r[1]) for r in query("SELECT team, name FROM workspaces")} == set(model.workspaces)
    assert {r[0] for r in query("SELECT name FROM pipelines WHERE status = 'active'")} == set(model.pipelines)
    members = query("SELECT t.name, m.member, m.role FROM team_members m JOIN teams t ON t.id = m.team_id")
    assert len(members) == sum(len(t.users) + len(t.groups) for t in model.teams.values())

    stored = {
        (r[0], r[1]): r[2:]
        for r in query(
            "SELECT a.document_name, v.version, v.approval_status, v.is_latest, v.is_bad, v.yank_reason,"
            " v.version_major, v.version_minor, v.version_patch, v.version_pre"
            " FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id"
        )
    }
    expected = {
        (name, v.version): (v.approval_status, v.is_latest, v.is_bad, v.yank_reason, v.major, v.minor, v.patch, v.pre)
        for name, state in states.items()
        for v in state.versions
    }
    assert stored == expected
    latest_counts = query("SELECT artifact_id, count(*) FROM artifact_versions WHERE is_latest GROUP BY 1")
    assert all(count == 1 for _, count in latest_counts)
    assert len(latest_counts) == sum(1 for s in states.values() if s.latest is not None)

    approvals = query("SELECT count(*) FROM version_approvals")[0][0]
    assert approvals == sum(len(v.approvals) for s in states.values() for v in s.versions)

    # One audit row per row written, attributed to whoever Git names, tagged with the commit.
    written = sum(query(f"SELECT count(*) FROM {t}")[0][0] for t in (table.name for table in SYNCED_TABLES))
    assert query("SELECT count(*), count(DISTINCT commit_sha) FROM audit_logs")[0] == (written, 1)
    assert query("SELECT DISTINCT commit_sha FROM audit_logs")[0][0] == template_repo.head
    published = dict(
        query(
            "SELECT entity_name, actor FROM audit_logs WHERE action = 'version.published' AND entity_name = %s",
            ("networking/vpc/aws@1.2.0",),
        )
    )
    assert published == {"networking/vpc/aws@1.2.0": "tess@acme.dev"}
    approvers = {r[0] for r in query("SELECT actor FROM audit_logs WHERE action = 'approval.created'")}
    assert approvers <= {a.by for s in states.values() for v in s.versions for a in v.approvals}
    assert query("SELECT commit_sha FROM sync_state") == [(template_repo.head,)]


def test_secrets_are_referenced_never_stored(portal, template_repo: TemplateRepo, database_url: str, query: Query):
    sync(portal, template_repo, database_url)
    env = {r[0]: r[1] for r in query("SELECT name, env FROM pipelines")}
    password = next(v for v in env["app-logs"] if v["name"] == "LOKI_PASSWORD")
    assert password == {
        "name": "LOKI_PASSWORD",
        "secretRef": {"name": "loki-credentials", "key": "password", "namespace": None},
    }


def test_a_second_sync_of_the_same_commit_writes_nothing(
    portal, template_repo: TemplateRepo, database_url: str
) -> None:
    sync(portal, template_repo, database_url)
    before = table_writes(database_url)
    again = sync(portal, template_repo, database_url)
    assert "already synced" in again.out
    assert writes_between(before, table_writes(database_url)) == {}


def test_one_changed_approval_writes_that_row_and_one_audit_row(
    portal, template_repo: TemplateRepo, database_url: str, query: Query
) -> None:
    sync(portal, template_repo, database_url)
    template_repo.commit(
        edited(template_repo.files, VPC, "comment: Reviewed the plan output", "comment: Reviewed plan and cost")
    )
    before = table_writes(database_url)
    sync(portal, template_repo, database_url)
    assert writes_between(before, table_writes(database_url)) == {
        "version_approvals": 1,
        "audit_logs": 1,
        "sync_runs": 1,
        "sync_state": 1,
    }
    assert query(
        "SELECT action, actor, entity_name, commit_sha FROM audit_logs WHERE commit_sha = %s", (template_repo.head,)
    ) == [("approval.updated", "omar@acme.dev", "networking/vpc/aws@1.2.0 by omar@acme.dev", template_repo.head)]


def test_approving_a_newer_release_moves_latest_and_a_prerelease_does_not(
    portal, template_repo: TemplateRepo, database_url: str, query: Query
) -> None:
    sync(portal, template_repo, database_url)
    latest_query = (
        "SELECT v.version FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id"
        " WHERE a.document_name = 'vpc' AND v.is_latest"
    )
    approvals = (
        "      storageRef: {tag: v1.3.0-rc.1}\n"
        "      approvals:\n"
        "        - {by: priya@acme.dev, at: 2026-11-21T09:00:00Z}\n"
        "        - {by: omar@acme.dev, at: 2026-11-21T10:00:00Z}\n"
    )
    template_repo.commit(edited(template_repo.files, VPC, "      storageRef: {tag: v1.3.0-rc.1}\n", approvals))
    sync(portal, template_repo, database_url)
    assert query(latest_query) == [("1.2.0",)]  # `terraform init` and `helm install` skip prereleases
    actions = sorted(query("SELECT action, actor FROM audit_logs WHERE commit_sha = %s", (template_repo.head,)))
    assert actions == [
        ("approval.created", "omar@acme.dev"),
        ("approval.created", "priya@acme.dev"),
        ("version.approved", "omar@acme.dev"),
    ]

    release = (
        "    - version: 1.3.0\n"
        "      publishedBy: tess@acme.dev\n"
        "      publishedAt: 2026-11-22T09:00:00Z\n"
        "      storageRef: {tag: v1.3.0}\n"
        "      approvals:\n"
        "        - {by: priya@acme.dev, at: 2026-11-22T10:00:00Z}\n"
        "        - {by: omar@acme.dev, at: 2026-11-22T11:00:00Z}\n"
    )
    marker = "    - version: 1.3.0-rc.1"
    template_repo.commit(edited(template_repo.files, VPC, marker, release + marker))
    sync(portal, template_repo, database_url)
    assert query(latest_query) == [("1.3.0",)]
    actions = sorted(query("SELECT action, actor FROM audit_logs WHERE commit_sha = %s", (template_repo.head,)))
    assert ("version.updated", "alice@acme.dev") in actions  # 1.2.0 is no longer the latest


def test_a_removed_artifact_is_archived_and_keeps_its_versions(
    portal, template_repo: TemplateRepo, database_url: str, query: Query
) -> None:
    sync(portal, template_repo, database_url)
    versions = query(VPC_VERSIONS)
    template_repo.commit(without_vpc(template_repo.files))
    sync(portal, template_repo, database_url)
    assert query("SELECT status FROM artifacts WHERE document_name = 'vpc'") == [("archived",)]
    assert query(VPC_VERSIONS) == versions
    assert ("artifact.archived", "networking/vpc/aws") in query(
        "SELECT action, entity_name FROM audit_logs WHERE commit_sha = %s", (template_repo.head,)
    )
    # Declared again: active again, under the same id, its versions untouched.
    artifact_id = query("SELECT id FROM artifacts WHERE document_name = 'vpc'")
    template_repo.commit(template_files())
    sync(portal, template_repo, database_url)
    assert query("SELECT id, status FROM artifacts WHERE document_name = 'vpc'") == [(artifact_id[0][0], "active")]
    assert ("artifact.restored",) in query("SELECT action FROM audit_logs WHERE commit_sha = %s", (template_repo.head,))


def test_a_removed_pipeline_is_archived_and_keeps_its_versions(
    portal, template_repo: TemplateRepo, database_url: str, query: Query
) -> None:
    sync(portal, template_repo, database_url)
    template_repo.commit(without(template_repo.files, "pipelines/app-logs.yaml"))
    sync(portal, template_repo, database_url)
    assert query("SELECT status FROM pipelines WHERE name = 'app-logs'") == [("archived",)]
    assert query(
        "SELECT count(*) FROM pipeline_versions v JOIN pipelines p ON p.id = v.pipeline_id WHERE p.name = 'app-logs'"
    ) == [(1,)]
    assert query(
        "SELECT d.status FROM pipeline_deployments d JOIN pipelines p ON p.id = d.pipeline_id WHERE p.name = 'app-logs'"
    ) == [("superseded",)]


def test_a_changed_compiled_config_bumps_only_that_pipeline_version(
    portal, template_repo: TemplateRepo, database_url: str, query: Query
) -> None:
    sync(portal, template_repo, database_url)
    changed = edited(
        template_repo.files, "pipelines/app-logs.yaml", "out_of_order_action: accept", "out_of_order_action: drop"
    )
    # A description is not part of the compiled config: it changes the pipeline row, not its version.
    changed = edited(changed, "pipelines/error-routing.yaml", "description: Logs of", "description: All logs of")
    template_repo.commit(changed)
    sync(portal, template_repo, database_url)
    versions = dict(
        query(
            "SELECT p.name, max(v.version) FROM pipeline_versions v JOIN pipelines p ON p.id = v.pipeline_id GROUP BY 1"
        )
    )
    assert versions == {"app-logs": 2, "error-routing": 1, "observability-aggregator": 1}
    deployed = query(
        "SELECT v.version FROM pipeline_deployments d JOIN pipeline_versions v ON v.id = d.pipeline_version_id"
        " JOIN pipelines p ON p.id = d.pipeline_id WHERE p.name = 'app-logs'"
    )
    assert deployed == [(2,)]


def test_an_invalid_commit_syncs_nothing(portal, template_repo: TemplateRepo, database_url: str, query: Query):
    sync(portal, template_repo, database_url)
    template_repo.commit(
        edited(
            template_repo.files,
            "teams/platform.yaml",
            "{name: priya@acme.dev, role: admin}",
            "{name: priya@acme.dev, role: boss}",
        )
    )
    result = portal("db", "sync", "--repo", template_repo.path, "--database-url", database_url)
    assert result.code == 1
    assert query("SELECT status, commit_sha FROM sync_runs ORDER BY id DESC LIMIT 1") == [
        ("failed", template_repo.head)
    ]
    assert query("SELECT commit_sha FROM sync_state") != [(template_repo.head,)]


def test_what_the_database_cannot_hold_or_must_not_hold_is_refused_before_it(
    portal, template_repo: TemplateRepo, database_url: str, query: Query
):
    sync(portal, template_repo, database_url)
    canary = "8675309123"
    files = edited(template_repo.files, "pipelines/app-logs.yaml", "password: ${LOKI_PASSWORD}", f"password: {canary}")
    files = edited(files, "artifacts/ingress-nginx/artifact.yaml", "sizeBytes: 58213", "sizeBytes: 9223372036854775808")
    files = edited(files, "pipelines/app-logs.yaml", "kubernetes: {container_name: api}", "ratio: .nan")
    template_repo.commit(files)
    result = portal("db", "sync", "--repo", template_repo.path, "--database-url", database_url)
    assert result.code == 1, result.err  # a validation error, not a failed transaction (2)
    errors = [line for line in result.out.splitlines() if ": error: " in line]
    assert [e.split(": error: ")[0] for e in errors] == [
        "artifacts/ingress-nginx/artifact.yaml:35:7",
        "pipelines/app-logs.yaml:44:9",
        "pipelines/app-logs.yaml:58:11",
    ], errors
    assert canary not in result.out + result.err
    tables = [t.name for t in SYNCED_TABLES] + ["audit_logs", "sync_runs", "sync_state"]
    for table in tables:
        rows = query(f"SELECT row_to_json(t)::text FROM {table} t")  # names from our own table list
        assert not any(canary in row[0] for row in rows), table
