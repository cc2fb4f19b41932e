-- The digest of each table's declared rows at the synced commit: a sync reads and compares only the tables whose
-- digest differs, so a one-row change costs one table, not all of them.
ALTER TABLE sync_state ADD COLUMN table_digests jsonb NOT NULL DEFAULT '{}';
