-- Fencing of daemon replicas: the highest term (a Lease's leaseTransitions) that wrote, per Lease ("leader",
-- "shard-0", ...). A write carrying a lower term is refused inside its own transaction, which holds this row
-- locked until it commits: a leader that was paused past its lease and wakes up cannot write over its successor.
CREATE TABLE leader_terms (
    scope text PRIMARY KEY,
    term bigint NOT NULL CHECK (term >= 0),
    holder text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- The terms a run wrote under ({"leader": 4} or {"shard-0": 2, "shard-1": 5}); NULL when no daemon wrote it.
ALTER TABLE sync_runs ADD COLUMN terms jsonb;
ALTER TABLE reconcile_runs ADD COLUMN terms jsonb;
