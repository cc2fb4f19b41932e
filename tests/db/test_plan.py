"""The pure diff: no database, just rows in and changes out."""

from __future__ import annotations

import uuid

from reconciler.db import tables as t
from reconciler.db.rows import DesiredRows
from reconciler.db.sync_plan import StoredRow, StoredState, diff_table, plan
from reconciler.db.tables import Row, make_row, row_id

ARTIFACT = ("networking", "vpc", "aws")


def version(number: str, *, latest: bool, status: str = "approved") -> Row:
    values = dict.fromkeys(t.ARTIFACT_VERSIONS.columns)
    values |= {
        "artifact_id": row_id(t.ARTIFACTS, *ARTIFACT),
        "version": number,
        "approval_status": status,
        "is_latest": latest,
        "is_bad": False,
        "archived": False,
    }
    return make_row(t.ARTIFACT_VERSIONS, (*ARTIFACT, number), values, name=number, team="platform")


def stored(row: Row, table: t.Table = t.ARTIFACT_VERSIONS, **changes: object) -> StoredRow:
    tracked = tuple(changes.get(c, row.values[table.index(c)]) for c in table.tracked)
    parent = row.values[table.index(table.parent[0])] if table.parent else None
    return StoredRow(hash="old" if changes else row.hash, parent=parent, tracked=tracked)


def test_latest_is_cleared_before_it_is_set() -> None:
    new_latest, old_latest = version("2.0.0", latest=True), version("1.0.0", latest=False)
    held = {new_latest.id: stored(new_latest, is_latest=False), old_latest.id: stored(old_latest, is_latest=True)}
    changes, _ = diff_table(t.ARTIFACT_VERSIONS, [new_latest, old_latest], held, None, "alice@acme.dev")
    assert [r.values[t.ARTIFACT_VERSIONS.index("is_latest")] for r in changes.updates] == [False, True]


def test_versions_of_a_removed_artifact_stay_while_a_removed_version_of_a_live_one_is_archived() -> None:
    kept = version("1.0.0", latest=True)
    held = {kept.id: stored(kept)}
    gone_parent, _ = diff_table(t.ARTIFACT_VERSIONS, [], held, frozenset(), "alice@acme.dev")
    live_parent, audit = diff_table(
        t.ARTIFACT_VERSIONS, [], held, frozenset({row_id(t.ARTIFACTS, *ARTIFACT)}), "alice@acme.dev"
    )
    assert (gone_parent.deletions, gone_parent.retirements) == ((), ())
    assert (live_parent.deletions, live_parent.retirements) == ((), (kept.id,))  # history: never deleted
    assert [a.action for a in audit] == ["version.archived"]
    again, _ = diff_table(t.ARTIFACT_VERSIONS, [], {kept.id: stored(kept, archived=True)}, None, "alice@acme.dev")
    assert again.count == 0  # already archived: nothing to write


def test_an_approval_names_the_approver_and_a_yank_the_yanker() -> None:
    row = version("1.0.0", latest=False)
    row = Row(row.id, row.values, row.name, row.team, {"approved": "priya@acme.dev"}, row.hash)
    _, audit = diff_table(
        t.ARTIFACT_VERSIONS, [row], {row.id: stored(row, approval_status="pending")}, None, "alice@acme.dev"
    )
    assert [(a.action, a.actor, a.details) for a in audit] == [
        ("version.approved", "priya@acme.dev", {"changed": {"approval_status": {"from": "pending", "to": "approved"}}})
    ]


def test_nothing_declared_and_nothing_stored_plans_nothing() -> None:
    empty = DesiredRows({table.name: () for table in t.SYNCED_TABLES}, (), {}, "digest")
    result = plan(empty, StoredState({}, {}), "alice@acme.dev", None)
    assert result.is_empty and result.counts() == {}


def test_row_ids_come_from_natural_keys() -> None:
    assert row_id(t.TEAMS, "payments") == row_id(t.TEAMS, "payments")
    assert row_id(t.TEAMS, "payments") != row_id(t.CLUSTERS, "payments")
    assert isinstance(row_id(t.TEAMS, "payments"), uuid.UUID)


def test_a_deleted_parent_takes_its_children_with_one_audit_row_each() -> None:
    team = make_row(
        t.TEAMS, ("data",), {"name": "data", "display_name": "", "description": ""}, name="data", team="data"
    )
    member = make_row(
        t.TEAM_MEMBERS,
        ("data", "user", "ann@acme.dev"),
        {"team_id": team.id, "member_type": "user", "member": "ann@acme.dev", "role": "admin"},
        name="data/ann@acme.dev",
        team="data",
    )
    held = StoredState(
        {
            t.TEAMS.name: {team.id: stored(team, t.TEAMS)},
            t.TEAM_MEMBERS.name: {member.id: stored(member, t.TEAM_MEMBERS)},
        },
        {},
    )
    empty = DesiredRows({table.name: () for table in t.SYNCED_TABLES}, (), {}, "digest")
    result = plan(empty, held, "alice@acme.dev", None, frozenset({t.TEAMS.name, t.TEAM_MEMBERS.name}))
    assert result.counts() == {"teams": {"deleted": 1}, "team_members": {"deleted": 1}}
    assert sorted(a.action for a in result.audit) == ["team.deleted", "team_member.deleted"]
