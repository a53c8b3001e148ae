-- 0002: dashboard sessions, shared by every process on the file and kept
-- across restarts. token_hash is the SHA-256 of the browser's token (the
-- token itself is never stored). An account session belongs to the secret
-- it was opened with: deleting the secret deletes the session (ON DELETE
-- CASCADE), whichever statement deletes it, and so does changing the secret
-- in place (the trigger below). Times are unix nanoseconds.

CREATE TABLE sessions (
    token_hash        BLOB    NOT NULL PRIMARY KEY,
    role              TEXT    NOT NULL CHECK (role IN ('account', 'operator')),
    account_key       TEXT    NOT NULL DEFAULT '',
    secret_id         TEXT    REFERENCES secrets (id) ON DELETE CASCADE,
    admin_fingerprint BLOB    NOT NULL DEFAULT x'',
    flash             BLOB,
    created_at        INTEGER NOT NULL,
    seen_at           INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    CHECK ((role = 'account') = (secret_id IS NOT NULL))
) WITHOUT ROWID;

CREATE INDEX sessions_secret ON sessions (secret_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX sessions_principal ON sessions (role, account_key, created_at);

-- A secret changed in place (its id, account, salt or hash) is another
-- secret: the sessions opened with the old one end too.
CREATE TRIGGER secrets_changed_end_sessions BEFORE UPDATE OF id, account_key, salt, hash ON secrets
BEGIN
    DELETE FROM sessions WHERE secret_id = OLD.id;
END;
