-- The one-time ids of terminal tokens already used, so that every replica of the terminal sidecar refuses a
-- token another one accepted. Rows are only needed until the token expires; the sidecar deletes older ones.
CREATE TABLE terminal_tokens (
    token_id text PRIMARY KEY,
    user_email text NOT NULL,
    workspace text NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX terminal_tokens_expires_at ON terminal_tokens (expires_at);
