-- store-postgres schema, version 1.
--
-- Conventions:
-- * ids are `uuid` (ordered by their bytes, the order store-traits uses for ties);
-- * instants are BIGINT nanoseconds since the Unix epoch, UTC (`*_ns` columns),
--   exactly as the SQLite backend stores them (`to_timestamp(x / 1e9)` to read);
-- * documents are JSON text (exact round trip; cast to jsonb for ad-hoc queries);
-- * records whose fields the store never interprets are kept whole as JSON in a
--   `doc` column, next to the columns the store filters, orders or checks on;
--   those columns are written from the same value in the same statement;
-- * the job queue and the quota ledger are fully columnar: the store's SQL
--   decides on every field.

CREATE TABLE accounts (
    id              UUID    NOT NULL PRIMARY KEY,
    org_id          TEXT,
    threads_user_id TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    created_ns      BIGINT NOT NULL,
    last_active_ns  BIGINT NOT NULL,
    doc             TEXT    NOT NULL
);
CREATE INDEX accounts_by_created ON accounts (created_ns, id);
CREATE INDEX accounts_by_threads_user ON accounts (threads_user_id);
CREATE INDEX accounts_by_last_active ON accounts (last_active_ns);

CREATE TABLE tokens (
    account_id UUID    NOT NULL PRIMARY KEY,
    key_id     TEXT    NOT NULL,
    sealed     TEXT    NOT NULL,
    expires_ns BIGINT NOT NULL,
    metadata   TEXT    NOT NULL
);
CREATE INDEX tokens_by_key ON tokens (key_id, account_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_ns, account_id);

CREATE TABLE personas (
    id         UUID    NOT NULL PRIMARY KEY,
    account_id UUID    NOT NULL,
    created_ns BIGINT NOT NULL,
    doc        TEXT    NOT NULL
);
CREATE INDEX personas_by_account ON personas (account_id, created_ns, id);

CREATE TABLE sources (
    id         UUID    NOT NULL PRIMARY KEY,
    account_id UUID    NOT NULL,
    created_ns BIGINT NOT NULL,
    doc        TEXT    NOT NULL
);
CREATE INDEX sources_by_account ON sources (account_id, created_ns, id);

CREATE TABLE drafts (
    id           UUID    NOT NULL PRIMARY KEY,
    account_id   UUID    NOT NULL,
    state        TEXT    NOT NULL,
    scheduled_ns BIGINT,
    created_ns   BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    fence        BIGINT,
    doc          TEXT    NOT NULL
);
CREATE INDEX drafts_by_account ON drafts (account_id, created_ns, id);
CREATE INDEX drafts_by_created ON drafts (created_ns, id);
CREATE INDEX drafts_by_schedule ON drafts (state, scheduled_ns);

CREATE TABLE publish_entries (
    draft_id   UUID    NOT NULL PRIMARY KEY,
    account_id UUID    NOT NULL,
    state      TEXT    NOT NULL,
    updated_ns BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    fence      BIGINT,
    doc        TEXT    NOT NULL
);
CREATE INDEX publish_by_account ON publish_entries (account_id, updated_ns, draft_id);
CREATE INDEX publish_by_updated ON publish_entries (updated_ns, draft_id);

CREATE TABLE conversations (
    id            UUID    NOT NULL PRIMARY KEY,
    account_id    UUID    NOT NULL,
    root_media_id TEXT    NOT NULL,
    created_ns    BIGINT NOT NULL,
    doc           TEXT    NOT NULL,
    UNIQUE (account_id, root_media_id)
);
CREATE INDEX conversations_by_account ON conversations (account_id, created_ns, id);

CREATE TABLE messages (
    id              UUID    NOT NULL PRIMARY KEY,
    conversation_id UUID    NOT NULL,
    account_id      UUID    NOT NULL,
    provider_id     TEXT    NOT NULL,
    created_ns      BIGINT NOT NULL,
    doc             TEXT    NOT NULL,
    UNIQUE (account_id, provider_id)
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_ns, id);
CREATE INDEX messages_by_account ON messages (account_id, created_ns, id);

CREATE TABLE insight_snapshots (
    id         UUID    NOT NULL PRIMARY KEY,
    account_id UUID    NOT NULL,
    media_id   TEXT,
    taken_ns   BIGINT NOT NULL,
    doc        TEXT    NOT NULL
);
CREATE INDEX insights_by_account ON insight_snapshots (account_id, taken_ns, id);
CREATE INDEX insights_by_taken ON insight_snapshots (taken_ns);

CREATE TABLE audit_events (
    id         UUID    NOT NULL PRIMARY KEY,
    account_id UUID,
    org_id     TEXT,
    at_ns      BIGINT NOT NULL,
    doc        TEXT    NOT NULL
);
CREATE INDEX audit_by_at ON audit_events (at_ns, id);
CREATE INDEX audit_by_account ON audit_events (account_id, at_ns, id);

CREATE TABLE oauth_states (
    nonce      TEXT    NOT NULL PRIMARY KEY,
    expires_ns BIGINT NOT NULL,
    doc        TEXT    NOT NULL
);
CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_ns);

CREATE TABLE used_nonces (
    nonce      TEXT    NOT NULL PRIMARY KEY,
    expires_ns BIGINT NOT NULL
);
CREATE INDEX used_nonces_by_expiry ON used_nonces (expires_ns);

CREATE TABLE inbox_entries (
    event_id    TEXT    NOT NULL PRIMARY KEY,
    account_id  UUID,
    received_ns BIGINT NOT NULL,
    job_id      UUID    NOT NULL
);
CREATE INDEX inbox_by_account ON inbox_entries (account_id, received_ns, event_id);
CREATE INDEX inbox_by_received ON inbox_entries (received_ns);

CREATE TABLE quota_reservations (
    id           UUID    NOT NULL PRIMARY KEY,
    account_id   UUID    NOT NULL,
    kind         TEXT    NOT NULL,
    units        BIGINT  NOT NULL,
    reserved_ns  BIGINT NOT NULL,
    expires_ns   BIGINT NOT NULL,
    committed_ns BIGINT
);
CREATE INDEX quota_by_account ON quota_reservations (account_id, kind, reserved_ns, id);

CREATE TABLE jobs (
    id               UUID    NOT NULL PRIMARY KEY,
    queue            TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    account_id       UUID,
    dedup_key        TEXT,
    state            TEXT    NOT NULL,
    run_at_ns        BIGINT NOT NULL,
    attempts         BIGINT NOT NULL,
    max_attempts     BIGINT NOT NULL,
    fence            BIGINT,
    lease_owner      TEXT,
    lease_expires_ns BIGINT,
    last_error       TEXT,
    created_ns       BIGINT NOT NULL,
    updated_ns       BIGINT NOT NULL,
    finished_ns      BIGINT
);
-- Due work in claim order: live jobs by run time (expired leases are filtered).
CREATE INDEX jobs_live ON jobs (queue, run_at_ns, id) WHERE state IN ('queued', 'running');
-- Live jobs that used up their attempts (normally none).
CREATE INDEX jobs_exhausted ON jobs (queue)
    WHERE state IN ('queued', 'running') AND attempts >= max_attempts;
-- A dedup key is held by at most one live job per queue.
CREATE UNIQUE INDEX jobs_live_dedup ON jobs (queue, dedup_key)
    WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_by_created ON jobs (created_ns, id);
CREATE INDEX jobs_by_account ON jobs (account_id, created_ns, id);
CREATE INDEX jobs_finished ON jobs (finished_ns) WHERE finished_ns IS NOT NULL;

-- The store-wide fencing-token sequence.
CREATE SEQUENCE job_fence AS BIGINT START WITH 1;

CREATE TABLE deletion_requests (
    id                UUID    NOT NULL PRIMARY KEY,
    confirmation_code TEXT    NOT NULL UNIQUE,
    account_id        UUID,
    status            TEXT    NOT NULL,
    completed_ns      BIGINT,
    doc               TEXT    NOT NULL
);
CREATE INDEX deletion_requests_by_account ON deletion_requests (account_id);
