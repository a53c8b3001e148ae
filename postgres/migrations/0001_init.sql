-- 0001: the whole initial schema, the same tables as sqlite/migrations/0001.
-- Amounts are BIGINT counts of 10^-8 currency units (kassa.Amount); times are
-- timestamptz (microseconds), NULL meaning "not set". Text that is ordered
-- (api keys) uses the "C" collation so that PostgreSQL sorts like SQLite.

CREATE TABLE accounts (
    api_key              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    currency             TEXT        NOT NULL,
    balance              BIGINT      NOT NULL DEFAULT 0,
    credit_limit         BIGINT      NOT NULL DEFAULT 0,
    mo_callback_url      TEXT        NOT NULL DEFAULT '',
    dr_callback_url      TEXT        NOT NULL DEFAULT '',
    http_forward_method  TEXT        NOT NULL DEFAULT '',
    max_outbound_request INTEGER     NOT NULL DEFAULT 0,
    max_inbound_request  INTEGER     NOT NULL DEFAULT 0,
    max_calls_per_second INTEGER     NOT NULL DEFAULT 0,
    pricing_per_second   INTEGER     NOT NULL DEFAULT 0,
    reload_enabled       BOOLEAN     NOT NULL DEFAULT false,
    reload_trx           TEXT        NOT NULL DEFAULT '',
    reload_amount        BIGINT      NOT NULL DEFAULT 0,
    reload_threshold     BIGINT      NOT NULL DEFAULT 0,
    reload_daily_cap     INTEGER     NOT NULL DEFAULT 0,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);

CREATE INDEX accounts_auto_reload ON accounts (api_key) WHERE reload_enabled;

CREATE TABLE secrets (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY,
    id          TEXT        NOT NULL PRIMARY KEY,
    account_key TEXT COLLATE "C" NOT NULL REFERENCES accounts (api_key),
    salt        BYTEA       NOT NULL,
    hash        BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX secrets_account ON secrets (account_key, seq);

-- idempotency_key is NULL when the entry has none, so that the unique index
-- covers every lookup by key (a partial index cannot serve a parameterised one).
CREATE TABLE entries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account         TEXT COLLATE "C" NOT NULL REFERENCES accounts (api_key),
    kind            TEXT        NOT NULL,
    amount          BIGINT      NOT NULL,
    balance_after   BIGINT      NOT NULL,
    reason          TEXT        NOT NULL DEFAULT '',
    reference       TEXT        NOT NULL DEFAULT '',
    idempotency_key TEXT,
    request_hash    TEXT        NOT NULL DEFAULT '',
    related_id      BIGINT      NOT NULL DEFAULT 0,
    hold_id         TEXT        NOT NULL DEFAULT '',
    meta            TEXT        NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    CHECK (idempotency_key <> '')
);

CREATE UNIQUE INDEX entries_idempotency ON entries (account, idempotency_key);
CREATE INDEX entries_account ON entries (account, id);
CREATE INDEX entries_account_kind ON entries (account, kind, created_at);
CREATE INDEX entries_related ON entries (related_id, kind) WHERE related_id <> 0;
CREATE INDEX entries_reference ON entries (reference) WHERE reference <> '';

CREATE TABLE holds (
    id         TEXT        NOT NULL PRIMARY KEY,
    account    TEXT COLLATE "C" NOT NULL REFERENCES accounts (api_key),
    amount     BIGINT      NOT NULL,
    captured   BIGINT      NOT NULL DEFAULT 0,
    state      TEXT        NOT NULL,
    entry_id   BIGINT      NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    closed_at  TIMESTAMPTZ
);

CREATE INDEX holds_open_expiry ON holds (expires_at) WHERE state = 'open';

CREATE SEQUENCE price_book_activations;

CREATE TABLE price_books (
    version        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           TEXT        NOT NULL,
    demo           BOOLEAN     NOT NULL DEFAULT false,
    source         TEXT        NOT NULL DEFAULT '',
    checksum       TEXT        NOT NULL,
    prices         INTEGER     NOT NULL DEFAULT 0,
    data           BYTEA       NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    activated_at   TIMESTAMPTZ,
    effective_at   TIMESTAMPTZ,
    activation_seq BIGINT      NOT NULL DEFAULT 0
);

CREATE INDEX price_books_active ON price_books (effective_at, activation_seq) WHERE activated_at IS NOT NULL;

CREATE TABLE audit (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT        NOT NULL DEFAULT '',
    account     TEXT COLLATE "C" NOT NULL DEFAULT '',
    action      TEXT        NOT NULL DEFAULT '',
    remote_addr TEXT        NOT NULL DEFAULT '',
    detail      TEXT        NOT NULL DEFAULT ''
);

CREATE INDEX audit_account ON audit (account, id);
CREATE INDEX audit_action ON audit (action, id);

CREATE TABLE leases (
    name       TEXT        NOT NULL PRIMARY KEY,
    holder     TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
