-- Keeper's and Herald's tables (DOMAIN.md §2.6, §3.6), filled from Git by `portal db sync`.
-- Ids are UUIDs made by the sync from each row's natural key, so a row keeps its id across commits.
-- `row_hash` is the hash of the synced columns: the sync compares it instead of reading every column back.

CREATE TABLE teams (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    display_name text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team_members (
    id uuid PRIMARY KEY,
    team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    member_type text NOT NULL CHECK (member_type IN ('user', 'group')),
    member text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (team_id, member_type, member)
);

CREATE TABLE clusters (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    role text NOT NULL CHECK (role IN ('management', 'tenant')),
    team text,
    labels jsonb NOT NULL DEFAULT '{}',
    connection jsonb NOT NULL DEFAULT '{}',  -- a context name or a Secret reference, never credentials
    tenant_cluster_ref jsonb,
    drift text NOT NULL,
    workspaces jsonb NOT NULL DEFAULT '{}',
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workspace_templates (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    display_name text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    category text NOT NULL DEFAULT '',
    scope text NOT NULL,
    team text,
    template jsonb NOT NULL DEFAULT '{}',
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workspaces (
    id uuid PRIMARY KEY,
    team text NOT NULL,
    name text NOT NULL,
    owner text NOT NULL,
    cluster text NOT NULL,
    template text,
    spec jsonb NOT NULL DEFAULT '{}',
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (team, name)
);
CREATE INDEX workspaces_cluster ON workspaces (cluster);

CREATE TABLE artifacts (
    id uuid PRIMARY KEY,
    document_name text NOT NULL,  -- metadata.name of the Artifact document
    namespace text NOT NULL,
    name text NOT NULL,
    provider text,
    type text NOT NULL,
    description text NOT NULL DEFAULT '',
    readme text,
    team text,
    tags jsonb NOT NULL DEFAULT '[]',
    category text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deprecated', 'archived')),
    storage_config jsonb NOT NULL,
    source_config jsonb,
    approval_policy jsonb NOT NULL DEFAULT '{}',
    effective_policy jsonb NOT NULL DEFAULT '{}',
    download_count integer NOT NULL DEFAULT 0,
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX artifacts_identity_with_provider ON artifacts (namespace, name, provider) WHERE provider IS NOT NULL;
CREATE UNIQUE INDEX artifacts_identity_without_provider ON artifacts (namespace, name) WHERE provider IS NULL;
CREATE INDEX artifacts_active ON artifacts (namespace, name, provider) WHERE status = 'active';
CREATE INDEX artifacts_type_status ON artifacts (type, status);
CREATE INDEX artifacts_team ON artifacts (team);
CREATE INDEX artifacts_tags ON artifacts USING gin (tags);

CREATE TABLE artifact_versions (
    id uuid PRIMARY KEY,
    artifact_id uuid NOT NULL REFERENCES artifacts (id) ON DELETE RESTRICT,
    version text NOT NULL,
    version_major integer NOT NULL,
    version_minor integer NOT NULL,
    version_patch integer NOT NULL,
    version_pre text,
    approval_status text NOT NULL CHECK (approval_status IN ('pending', 'approved', 'rejected')),
    is_latest boolean NOT NULL DEFAULT false,
    is_bad boolean NOT NULL DEFAULT false,
    yank_reason text,
    yanked_by text,
    yanked_at timestamptz,
    approved_by text,
    approved_at timestamptz,
    approvals_required integer NOT NULL DEFAULT 1,
    rejected_by text,
    rejected_at timestamptz,
    rejection_reason text,
    changelog text,
    digest text,
    size_bytes bigint,
    published_by text NOT NULL,
    published_at timestamptz,
    storage_ref jsonb,
    examples jsonb NOT NULL DEFAULT '[]',
    dependencies jsonb NOT NULL DEFAULT '[]',
    terraform_metadata jsonb,
    helm_metadata jsonb,
    opa_metadata jsonb,
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (artifact_id, version)
);
-- Exactly one latest version per artifact: the sync clears the old one before it sets the new one.
CREATE UNIQUE INDEX artifact_versions_one_latest ON artifact_versions (artifact_id) WHERE is_latest;
CREATE INDEX artifact_versions_status ON artifact_versions (artifact_id, approval_status);
CREATE INDEX artifact_versions_order
    ON artifact_versions (artifact_id, version_major DESC, version_minor DESC, version_patch DESC);

CREATE TABLE version_approvals (
    id uuid PRIMARY KEY,
    version_id uuid NOT NULL REFERENCES artifact_versions (id) ON DELETE CASCADE,
    actor text NOT NULL,
    comment text NOT NULL DEFAULT '',
    approved_at timestamptz,
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (version_id, actor)
);

CREATE TABLE policy_templates (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    enforcement_level text NOT NULL CHECK (enforcement_level IN ('block', 'warn', 'audit')),
    rules jsonb NOT NULL DEFAULT '{}',
    team text,
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name)
);

CREATE TABLE policy_bindings (
    id uuid PRIMARY KEY,
    policy_template_id uuid NOT NULL REFERENCES policy_templates (id) ON DELETE CASCADE,
    scope_type text NOT NULL CHECK (scope_type IN ('global', 'team', 'namespace', 'artifact')),
    scope_value text,
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (policy_template_id, scope_type, scope_value)
);

CREATE TABLE pipelines (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    description text NOT NULL DEFAULT '',
    team text NOT NULL,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    env jsonb NOT NULL DEFAULT '[]',  -- names, literal values and Secret references; never a Secret's value
    targets jsonb NOT NULL DEFAULT '[]',
    created_by text,
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, team)
);

CREATE TABLE pipeline_versions (
    id uuid PRIMARY KEY,
    pipeline_id uuid NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    version integer NOT NULL,
    dag jsonb NOT NULL,
    document jsonb NOT NULL,
    vector_config text NOT NULL,
    config_hash text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    change_summary text NOT NULL DEFAULT '',
    created_by text,
    commit_sha text,
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pipeline_id, version)
);
CREATE INDEX pipeline_versions_newest ON pipeline_versions (pipeline_id, version DESC);

CREATE TABLE pipeline_deployments (
    id uuid PRIMARY KEY,
    pipeline_id uuid NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    pipeline_version_id uuid NOT NULL REFERENCES pipeline_versions (id) ON DELETE CASCADE,
    target_type text NOT NULL DEFAULT 'cluster',
    target_id text NOT NULL,  -- the Cluster's name
    role text NOT NULL CHECK (role IN ('agent', 'aggregator')),
    type text NOT NULL DEFAULT 'deploy',
    strategy text NOT NULL DEFAULT 'immediate',
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'superseded')),
    deployed_by text,
    row_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pipeline_id, target_type, target_id, role)
);

CREATE TABLE audit_logs (
    id bigserial PRIMARY KEY,
    actor text NOT NULL,
    action text NOT NULL,
    entity_type text NOT NULL,
    entity_id uuid,
    entity_name text NOT NULL,
    team text,
    commit_sha text,
    details jsonb NOT NULL DEFAULT '{}',
    sync_run_id bigint,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_logs_team_time ON audit_logs (team, occurred_at DESC);
CREATE INDEX audit_logs_entity ON audit_logs (entity_type, entity_id);

CREATE TABLE sync_runs (
    id bigserial PRIMARY KEY,
    commit_sha text,
    digest text,
    status text NOT NULL CHECK (status IN ('synced', 'unchanged', 'failed')),
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    counts jsonb NOT NULL DEFAULT '{}',
    errors jsonb NOT NULL DEFAULT '[]'
);

-- One row: the commit the tables hold. Written last in every sync transaction.
CREATE TABLE sync_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    commit_sha text,
    digest text NOT NULL,
    sync_run_id bigint REFERENCES sync_runs (id),
    synced_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reconcile_runs (
    id bigserial PRIMARY KEY,
    commit_sha text,
    trigger text NOT NULL DEFAULT 'manual',
    status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    summary jsonb NOT NULL DEFAULT '{}',
    errors jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX reconcile_runs_newest ON reconcile_runs (started_at DESC);

CREATE TABLE cluster_status (
    cluster text PRIMARY KEY,
    last_commit text,
    result text NOT NULL CHECK (result IN ('applied', 'failed', 'skipped')),
    objects_applied integer NOT NULL DEFAULT 0,
    objects_pruned integer NOT NULL DEFAULT 0,
    objects_drifted integer NOT NULL DEFAULT 0,
    health text NOT NULL DEFAULT 'unknown' CHECK (health IN ('healthy', 'progressing', 'degraded', 'unknown')),
    message text NOT NULL DEFAULT '',
    reconcile_run_id bigint REFERENCES reconcile_runs (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);
