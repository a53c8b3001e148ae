-- 0002: dashboard sessions, shared by every node and kept across restarts
-- (the same table as sqlite/migrations/0002). token_hash is the SHA-256 of
-- the browser's token (the token itself is never stored). An account
-- session belongs to the secret it was opened with: deleting the secret
-- deletes the session (ON DELETE CASCADE), whichever statement deletes it,
-- and so does changing the secret in place (the trigger below).

CREATE TABLE sessions (
    token_hash        BYTEA       NOT NULL PRIMARY KEY,
    role              TEXT        NOT NULL CHECK (role IN ('account', 'operator')),
    account_key       TEXT COLLATE "C" NOT NULL DEFAULT '',
    secret_id         TEXT        REFERENCES secrets (id) ON DELETE CASCADE,
    admin_fingerprint BYTEA       NOT NULL DEFAULT '\x',
    flash             BYTEA,
    created_at        TIMESTAMPTZ NOT NULL,
    seen_at           TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL,
    CHECK ((role = 'account') = (secret_id IS NOT NULL))
);

CREATE INDEX sessions_secret ON sessions (secret_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX sessions_principal ON sessions (role, account_key, created_at);

-- A secret changed in place (its id, account, salt or hash) is another
-- secret: the sessions opened with the old one end too.
CREATE FUNCTION end_sessions_of_changed_secret() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM sessions WHERE secret_id = OLD.id;
    RETURN NEW;
END
$$;

CREATE TRIGGER secrets_changed_end_sessions BEFORE UPDATE OF id, account_key, salt, hash ON secrets
    FOR EACH ROW EXECUTE FUNCTION end_sessions_of_changed_secret();
