-- 0003: facts about the installation itself, such as the fingerprint of the
-- pepper its secrets are hashed with (never the pepper).

CREATE TABLE meta (
    key        TEXT    NOT NULL PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
