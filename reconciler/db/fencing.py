"""Fencing of database writes by leader term: a replica whose term is lower than one that already wrote is
refused, in the same transaction as the write it guards.

The term comes from the daemon's Lease (its leaseTransitions); the scope names the Lease, so shards fence
independently. `claim_terms` upserts the scope's row with a condition, which locks the row even when the
condition fails: two writers of one scope commit one after the other, and the lower term always loses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the coordinators hand out Fences in daemons that record nothing (--no-db): no driver for them
    import psycopg
    from psycopg.types.json import Jsonb


@dataclass(frozen=True, slots=True)
class Fence:
    scope: str  # which Lease: "leader", "shard-3"
    term: int
    holder: str  # the replica's identity, named when a stale one is refused


class StaleTerm(Exception):
    """A newer holder of the same Lease has written: this replica is no longer allowed to."""


def claim_terms(conn: psycopg.Connection, fences: Sequence[Fence]) -> None:
    """Record each fence as its scope's term, or raise StaleTerm when a higher term is recorded for one.

    Call it inside the transaction of the write it guards (the rows stay locked until that commits). Scopes are
    claimed in one order, so two writers holding several shards cannot deadlock on each other's rows.
    """
    for fence in sorted(fences, key=lambda f: f.scope):
        _claim(conn, fence)


def terms_column(fences: Sequence[Fence]) -> Jsonb | None:
    """What a run's `terms` column keeps of its fences: each scope's term, or NULL for a run outside a daemon."""
    from psycopg.types.json import Jsonb

    return Jsonb({f.scope: f.term for f in fences}) if fences else None


def _claim(conn: psycopg.Connection, fence: Fence) -> None:
    row = conn.execute(
        "INSERT INTO leader_terms (scope, term, holder) VALUES (%s, %s, %s)"
        " ON CONFLICT (scope) DO UPDATE SET term = EXCLUDED.term, holder = EXCLUDED.holder, updated_at = now()"
        " WHERE leader_terms.term <= EXCLUDED.term RETURNING term",
        (fence.scope, fence.term, fence.holder),
    ).fetchone()
    if row is not None:
        return
    recorded = conn.execute("SELECT term, holder FROM leader_terms WHERE scope = %s", (fence.scope,)).fetchone()
    assert recorded is not None  # the upsert found it, and holds its lock
    raise StaleTerm(
        f"{fence.holder} writes as term {fence.term} of {fence.scope!r}, but {recorded[1]} already wrote as term "
        f"{recorded[0]}: this replica lost its lease and must not write"
    )
