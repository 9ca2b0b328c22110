-- store-postgres schema, version 2: lookup columns, per-account quota limits,
-- and the end of server-side OAuth states.
--
-- Same conventions as version 1. The new lookup columns are copied from each
-- row's `doc` here, and written by the store from the same value as `doc`
-- from now on.

-- Accounts by username (exact match; several organisations may connect the
-- same profile). The default only serves this migration.
ALTER TABLE accounts ADD COLUMN username TEXT NOT NULL DEFAULT '';
UPDATE accounts SET username = COALESCE(doc::json ->> 'username', '');
ALTER TABLE accounts ALTER COLUMN username DROP DEFAULT;
CREATE INDEX accounts_by_username ON accounts (username, created_ns, id);

-- Publish entries by the media id of their live post (reconciliation).
ALTER TABLE publish_entries ADD COLUMN media_id TEXT;
UPDATE publish_entries SET media_id = doc::json ->> 'media_id';
CREATE INDEX publish_by_media ON publish_entries (media_id, updated_ns, draft_id)
    WHERE media_id IS NOT NULL;

-- Each account's quota limits (absent: Meta's documented Threads limits).
CREATE TABLE quota_limits (
    account_id UUID   NOT NULL PRIMARY KEY,
    posts      BIGINT NOT NULL,
    replies    BIGINT NOT NULL,
    deletes    BIGINT NOT NULL,
    window_ns  BIGINT NOT NULL
);

-- OAuth state is signed and carries its claims; the store keeps only used
-- nonces (`used_nonces`), so pending logins are no longer stored.
DROP TABLE oauth_states;
