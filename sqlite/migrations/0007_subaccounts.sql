-- 0007: the account tree (docs/subaccounts.md). A subaccount names its
-- primary in primary_account ('' for an account that is not one); a
-- shared-balance subaccount's charges and holds are entries on its
-- primary's ledger that name it in entries.subaccount (and holds.subaccount);
-- idempotency keys are unique per account and subaccount. Transfers between
-- a primary and its subaccounts are recorded in transfers (a balance
-- transfer also writes its two entries; a credit transfer moves credit
-- limits).

ALTER TABLE accounts ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN primary_account TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN shared_balance INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN subaccounts_disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN max_subaccounts INTEGER NOT NULL DEFAULT 0;

CREATE INDEX accounts_primary ON accounts (primary_account, created_at, api_key) WHERE primary_account <> '';

ALTER TABLE entries ADD COLUMN subaccount TEXT NOT NULL DEFAULT '';

DROP INDEX entries_idempotency;
CREATE UNIQUE INDEX entries_idempotency ON entries (account, subaccount, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX entries_subaccount ON entries (subaccount, id) WHERE subaccount <> '';

ALTER TABLE holds ADD COLUMN subaccount TEXT NOT NULL DEFAULT '';

CREATE TABLE transfers (
    id              TEXT    NOT NULL PRIMARY KEY,
    kind            TEXT    NOT NULL,
    primary_account TEXT    NOT NULL REFERENCES accounts (api_key),
    from_account    TEXT    NOT NULL REFERENCES accounts (api_key),
    to_account      TEXT    NOT NULL REFERENCES accounts (api_key),
    amount          INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
    reference       TEXT    NOT NULL DEFAULT '',
    idempotency_key TEXT    NOT NULL DEFAULT '',
    request_hash    TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);

CREATE UNIQUE INDEX transfers_idempotency ON transfers (primary_account, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX transfers_primary ON transfers (primary_account, kind, created_at);
