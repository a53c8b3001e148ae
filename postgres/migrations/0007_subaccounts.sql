-- 0007: the account tree, the same as sqlite/migrations/0007 (see there and
-- docs/subaccounts.md).

ALTER TABLE accounts
    ADD COLUMN name                 TEXT    NOT NULL DEFAULT '',
    ADD COLUMN primary_account      TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN shared_balance       BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN suspended            BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN subaccounts_disabled BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN max_subaccounts      INTEGER NOT NULL DEFAULT 0;

CREATE INDEX accounts_primary ON accounts (primary_account, created_at, api_key) WHERE primary_account <> '';

ALTER TABLE entries ADD COLUMN subaccount TEXT COLLATE "C" NOT NULL DEFAULT '';

DROP INDEX entries_idempotency;
CREATE UNIQUE INDEX entries_idempotency ON entries (account, subaccount, idempotency_key);
CREATE INDEX entries_subaccount ON entries (subaccount, id) WHERE subaccount <> '';

ALTER TABLE holds ADD COLUMN subaccount TEXT COLLATE "C" NOT NULL DEFAULT '';

CREATE TABLE transfers (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY,
    id              TEXT        NOT NULL PRIMARY KEY,
    kind            TEXT        NOT NULL,
    primary_account TEXT COLLATE "C" NOT NULL REFERENCES accounts (api_key),
    from_account    TEXT COLLATE "C" NOT NULL REFERENCES accounts (api_key),
    to_account      TEXT COLLATE "C" NOT NULL REFERENCES accounts (api_key),
    amount          BIGINT      NOT NULL CHECK (amount > 0),
    reference       TEXT        NOT NULL DEFAULT '',
    idempotency_key TEXT,
    request_hash    TEXT        NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    CHECK (idempotency_key <> '')
);

CREATE UNIQUE INDEX transfers_idempotency ON transfers (primary_account, idempotency_key);
CREATE INDEX transfers_primary ON transfers (primary_account, kind, created_at);
