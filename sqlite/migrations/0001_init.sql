-- 0001: the whole initial schema. Amounts are INTEGER counts of 10^-8
-- currency units (kassa.Amount); times are INTEGER unix nanoseconds, UTC,
-- with 0 meaning "not set".

CREATE TABLE accounts (
    api_key              TEXT    NOT NULL PRIMARY KEY,
    currency             TEXT    NOT NULL,
    balance              INTEGER NOT NULL DEFAULT 0 CHECK (typeof(balance) = 'integer'),
    credit_limit         INTEGER NOT NULL DEFAULT 0,
    mo_callback_url      TEXT    NOT NULL DEFAULT '',
    dr_callback_url      TEXT    NOT NULL DEFAULT '',
    http_forward_method  TEXT    NOT NULL DEFAULT '',
    max_outbound_request INTEGER NOT NULL DEFAULT 0,
    max_inbound_request  INTEGER NOT NULL DEFAULT 0,
    max_calls_per_second INTEGER NOT NULL DEFAULT 0,
    pricing_per_second   INTEGER NOT NULL DEFAULT 0,
    reload_enabled       INTEGER NOT NULL DEFAULT 0,
    reload_trx           TEXT    NOT NULL DEFAULT '',
    reload_amount        INTEGER NOT NULL DEFAULT 0,
    reload_threshold     INTEGER NOT NULL DEFAULT 0,
    reload_daily_cap     INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

CREATE INDEX accounts_auto_reload ON accounts (api_key) WHERE reload_enabled = 1;

CREATE TABLE secrets (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_key TEXT    NOT NULL REFERENCES accounts (api_key),
    salt        BLOB    NOT NULL,
    hash        BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE INDEX secrets_account ON secrets (account_key, created_at);

CREATE TABLE entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account         TEXT    NOT NULL REFERENCES accounts (api_key),
    kind            TEXT    NOT NULL,
    amount          INTEGER NOT NULL CHECK (typeof(amount) = 'integer'),
    balance_after   INTEGER NOT NULL CHECK (typeof(balance_after) = 'integer'),
    reason          TEXT    NOT NULL DEFAULT '',
    reference       TEXT    NOT NULL DEFAULT '',
    idempotency_key TEXT    NOT NULL DEFAULT '',
    request_hash    TEXT    NOT NULL DEFAULT '',
    related_id      INTEGER NOT NULL DEFAULT 0,
    hold_id         TEXT    NOT NULL DEFAULT '',
    meta            TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);

-- The balance moves with every entry, in the same statement: inserting an
-- entry is the only way to change a balance.
CREATE TRIGGER entries_move_balance AFTER INSERT ON entries
BEGIN
    UPDATE accounts SET balance = balance + NEW.amount WHERE api_key = NEW.account;
END;

CREATE UNIQUE INDEX entries_idempotency ON entries (account, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX entries_account ON entries (account, id);
CREATE INDEX entries_account_kind ON entries (account, kind, created_at);
CREATE INDEX entries_related ON entries (related_id, kind) WHERE related_id <> 0;
CREATE INDEX entries_reference ON entries (reference) WHERE reference <> '';

CREATE TABLE holds (
    id         TEXT    NOT NULL PRIMARY KEY,
    account    TEXT    NOT NULL REFERENCES accounts (api_key),
    amount     INTEGER NOT NULL,
    captured   INTEGER NOT NULL DEFAULT 0,
    state      TEXT    NOT NULL,
    entry_id   INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at  INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX holds_open_expiry ON holds (expires_at) WHERE state = 'open';

CREATE TABLE price_books (
    version        INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT    NOT NULL,
    demo           INTEGER NOT NULL DEFAULT 0,
    source         TEXT    NOT NULL DEFAULT '',
    checksum       TEXT    NOT NULL,
    prices         INTEGER NOT NULL DEFAULT 0,
    data           BLOB    NOT NULL,
    created_at     INTEGER NOT NULL,
    activated_at   INTEGER NOT NULL DEFAULT 0,
    effective_at   INTEGER NOT NULL DEFAULT 0,
    activation_seq INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX price_books_active ON price_books (effective_at, activation_seq) WHERE activated_at <> 0;

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL DEFAULT '',
    account     TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL DEFAULT '',
    remote_addr TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX audit_account ON audit (account, id);
CREATE INDEX audit_action ON audit (action, id);

CREATE TABLE leases (
    name       TEXT    NOT NULL PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
