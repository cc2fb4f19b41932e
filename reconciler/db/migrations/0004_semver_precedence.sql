-- Versions follow Semantic Versioning 2.0.0, which sets no bound on MAJOR, MINOR and PATCH: numeric stores
-- every one (integer stopped at 2^31 - 1, and a sync of 3000000000.0.0 failed).
ALTER TABLE artifact_versions
    ALTER COLUMN version_major TYPE numeric,
    ALTER COLUMN version_minor TYPE numeric,
    ALTER COLUMN version_patch TYPE numeric,
    -- Byte order of this text is semver precedence (numeric prerelease identifiers as numbers, build metadata
    -- ignored): ORDER BY version_sort DESC lists versions as Terraform and Helm clients order them.
    ADD COLUMN version_sort text COLLATE "C";
DROP INDEX artifact_versions_order;
CREATE INDEX artifact_versions_order ON artifact_versions (artifact_id, version_sort DESC);
-- Rows stored before were parsed and ordered by Keeper's rules: forget their hashes and the sync marker, so
-- the next sync re-derives every version row (order, is_latest) from its commit.
UPDATE artifact_versions SET row_hash = NULL;
UPDATE sync_state SET digest = '', table_digests = '{}', input_digest = NULL;
