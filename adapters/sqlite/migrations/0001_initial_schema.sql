-- store-sqlite schema, version 1.
--
-- Conventions:
-- * ids are 16-byte UUID blobs (memcmp order equals the UUID's byte order, which
--   is the order store-traits uses for ties);
-- * instants are INTEGER nanoseconds since the Unix epoch, UTC (`*_ns` columns);
-- * records whose fields the store never interprets are kept whole as JSON in a
--   `doc` column, next to the columns the store filters, orders or checks on;
--   those columns are written from the same value in the same statement;
-- * the job queue and the quota ledger are fully columnar: the store's SQL
--   decides on every field.

CREATE TABLE accounts (
    id              BLOB    NOT NULL PRIMARY KEY,
    org_id          TEXT,
    threads_user_id TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    created_ns      INTEGER NOT NULL,
    last_active_ns  INTEGER NOT NULL,
    doc             TEXT    NOT NULL
) STRICT;
CREATE INDEX accounts_by_created ON accounts (created_ns, id);
CREATE INDEX accounts_by_threads_user ON accounts (threads_user_id);
CREATE INDEX accounts_by_last_active ON accounts (last_active_ns);

CREATE TABLE tokens (
    account_id BLOB    NOT NULL PRIMARY KEY,
    key_id     TEXT    NOT NULL,
    sealed     TEXT    NOT NULL,
    expires_ns INTEGER NOT NULL,
    metadata   TEXT    NOT NULL
) STRICT;
CREATE INDEX tokens_by_key ON tokens (key_id, account_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_ns, account_id);

CREATE TABLE personas (
    id         BLOB    NOT NULL PRIMARY KEY,
    account_id BLOB    NOT NULL,
    created_ns INTEGER NOT NULL,
    doc        TEXT    NOT NULL
) STRICT;
CREATE INDEX personas_by_account ON personas (account_id, created_ns, id);

CREATE TABLE sources (
    id         BLOB    NOT NULL PRIMARY KEY,
    account_id BLOB    NOT NULL,
    created_ns INTEGER NOT NULL,
    doc        TEXT    NOT NULL
) STRICT;
CREATE INDEX sources_by_account ON sources (account_id, created_ns, id);

CREATE TABLE drafts (
    id           BLOB    NOT NULL PRIMARY KEY,
    account_id   BLOB    NOT NULL,
    state        TEXT    NOT NULL,
    scheduled_ns INTEGER,
    created_ns   INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    fence        INTEGER,
    doc          TEXT    NOT NULL
) STRICT;
CREATE INDEX drafts_by_account ON drafts (account_id, created_ns, id);
CREATE INDEX drafts_by_created ON drafts (created_ns, id);
CREATE INDEX drafts_by_schedule ON drafts (state, scheduled_ns);

CREATE TABLE publish_entries (
    draft_id   BLOB    NOT NULL PRIMARY KEY,
    account_id BLOB    NOT NULL,
    state      TEXT    NOT NULL,
    updated_ns INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    fence      INTEGER,
    doc        TEXT    NOT NULL
) STRICT;
CREATE INDEX publish_by_account ON publish_entries (account_id, updated_ns, draft_id);
CREATE INDEX publish_by_updated ON publish_entries (updated_ns, draft_id);

CREATE TABLE conversations (
    id            BLOB    NOT NULL PRIMARY KEY,
    account_id    BLOB    NOT NULL,
    root_media_id TEXT    NOT NULL,
    created_ns    INTEGER NOT NULL,
    doc           TEXT    NOT NULL,
    UNIQUE (account_id, root_media_id)
) STRICT;
CREATE INDEX conversations_by_account ON conversations (account_id, created_ns, id);

CREATE TABLE messages (
    id              BLOB    NOT NULL PRIMARY KEY,
    conversation_id BLOB    NOT NULL,
    account_id      BLOB    NOT NULL,
    provider_id     TEXT    NOT NULL,
    created_ns      INTEGER NOT NULL,
    doc             TEXT    NOT NULL,
    UNIQUE (account_id, provider_id)
) STRICT;
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_ns, id);
CREATE INDEX messages_by_account ON messages (account_id, created_ns, id);

CREATE TABLE insight_snapshots (
    id         BLOB    NOT NULL PRIMARY KEY,
    account_id BLOB    NOT NULL,
    media_id   TEXT,
    taken_ns   INTEGER NOT NULL,
    doc        TEXT    NOT NULL
) STRICT;
CREATE INDEX insights_by_account ON insight_snapshots (account_id, taken_ns, id);
CREATE INDEX insights_by_taken ON insight_snapshots (taken_ns);

CREATE TABLE audit_events (
    id         BLOB    NOT NULL PRIMARY KEY,
    account_id BLOB,
    org_id     TEXT,
    at_ns      INTEGER NOT NULL,
    doc        TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_by_at ON audit_events (at_ns, id);
CREATE INDEX audit_by_account ON audit_events (account_id, at_ns, id);

CREATE TABLE oauth_states (
    nonce      TEXT    NOT NULL PRIMARY KEY,
    expires_ns INTEGER NOT NULL,
    doc        TEXT    NOT NULL
) STRICT;
CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_ns);

CREATE TABLE used_nonces (
    nonce      TEXT    NOT NULL PRIMARY KEY,
    expires_ns INTEGER NOT NULL
) STRICT;
CREATE INDEX used_nonces_by_expiry ON used_nonces (expires_ns);

CREATE TABLE inbox_entries (
    event_id    TEXT    NOT NULL PRIMARY KEY,
    account_id  BLOB,
    received_ns INTEGER NOT NULL,
    job_id      BLOB    NOT NULL
) STRICT;
CREATE INDEX inbox_by_account ON inbox_entries (account_id, received_ns, event_id);
CREATE INDEX inbox_by_received ON inbox_entries (received_ns);

CREATE TABLE quota_reservations (
    id           BLOB    NOT NULL PRIMARY KEY,
    account_id   BLOB    NOT NULL,
    kind         TEXT    NOT NULL,
    units        INTEGER NOT NULL,
    reserved_ns  INTEGER NOT NULL,
    expires_ns   INTEGER NOT NULL,
    committed_ns INTEGER
) STRICT;
CREATE INDEX quota_by_account ON quota_reservations (account_id, kind, reserved_ns, id);

CREATE TABLE jobs (
    id               BLOB    NOT NULL PRIMARY KEY,
    queue            TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    account_id       BLOB,
    dedup_key        TEXT,
    state            TEXT    NOT NULL,
    run_at_ns        INTEGER NOT NULL,
    attempts         INTEGER NOT NULL,
    max_attempts     INTEGER NOT NULL,
    fence            INTEGER,
    lease_owner      TEXT,
    lease_expires_ns INTEGER,
    last_error       TEXT,
    created_ns       INTEGER NOT NULL,
    updated_ns       INTEGER NOT NULL,
    finished_ns      INTEGER
) STRICT;
-- Due work: queued jobs by run time, and running jobs by lease expiry.
CREATE INDEX jobs_queued ON jobs (queue, run_at_ns, id) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (queue, lease_expires_ns) WHERE state = 'running';
-- Live jobs that used up their attempts (normally none).
CREATE INDEX jobs_exhausted ON jobs (queue)
    WHERE state IN ('queued', 'running') AND attempts >= max_attempts;
-- A dedup key is held by at most one live job per queue.
CREATE UNIQUE INDEX jobs_live_dedup ON jobs (queue, dedup_key)
    WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_by_created ON jobs (created_ns, id);
CREATE INDEX jobs_by_account ON jobs (account_id, created_ns, id);
CREATE INDEX jobs_finished ON jobs (finished_ns) WHERE finished_ns IS NOT NULL;

-- The store-wide fencing-token sequence (one row).
CREATE TABLE job_fence (
    id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
) STRICT;
INSERT INTO job_fence (id, value) VALUES (1, 0);

CREATE TABLE deletion_requests (
    id                BLOB    NOT NULL PRIMARY KEY,
    confirmation_code TEXT    NOT NULL UNIQUE,
    account_id        BLOB,
    status            TEXT    NOT NULL,
    completed_ns      INTEGER,
    doc               TEXT    NOT NULL
) STRICT;
CREATE INDEX deletion_requests_by_account ON deletion_requests (account_id);
