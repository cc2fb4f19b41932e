-- Versions and approvals are history: never deleted, only archived. A version dropped from its artifact, or an
-- approval dropped from its version, keeps its row with `archived` set; declaring it again clears the flag.
ALTER TABLE artifact_versions ADD COLUMN archived boolean NOT NULL DEFAULT false;
ALTER TABLE version_approvals ADD COLUMN archived boolean NOT NULL DEFAULT false;
-- Deleting a version no longer takes its approvals with it: the database refuses instead.
ALTER TABLE version_approvals DROP CONSTRAINT version_approvals_version_id_fkey;
ALTER TABLE version_approvals
    ADD CONSTRAINT version_approvals_version_id_fkey
    FOREIGN KEY (version_id) REFERENCES artifact_versions (id) ON DELETE RESTRICT;
