-- 0008: the event outbox, the webhook endpoints and the delivery of each
-- event to each of them, and the spend controls of accounts (low-balance
-- alert, daily and monthly spend caps) with the ledger's bookkeeping of
-- them; the same tables as sqlite/migrations/0008.

-- Event ids come from this one row, which a transaction that writes an
-- event updates and so keeps locked until it ends: ids are handed out in
-- commit order (a sequence would not be), so a reader's highest id is a
-- cursor that never skips an event committed later.
CREATE TABLE event_counter (
    one     BOOLEAN NOT NULL PRIMARY KEY DEFAULT true CHECK (one),
    last_id BIGINT  NOT NULL
);

INSERT INTO event_counter (one, last_id) VALUES (true, 0);

CREATE TABLE events (
    id         BIGINT      NOT NULL PRIMARY KEY,
    type       TEXT        NOT NULL,
    account    TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    data       TEXT        NOT NULL
);

CREATE INDEX events_account ON events (account, id);
CREATE INDEX events_type ON events (type, id);

-- types is the space-separated list of event types the endpoint receives
-- ('' for all); cursor is the last event id fanned out to it.
CREATE TABLE webhook_endpoints (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    url         TEXT        NOT NULL,
    secret      TEXT        NOT NULL,
    types       TEXT        NOT NULL DEFAULT '',
    description TEXT        NOT NULL DEFAULT '',
    cursor      BIGINT      NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- One row per event and endpoint. Among the pending deliveries of one
-- endpoint and account, only the one with the lowest event id has a
-- next_attempt_at (NULL: waiting behind it), which is how events reach an
-- endpoint in order per account.
CREATE TABLE webhook_deliveries (
    endpoint_id     TEXT COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        BIGINT      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    account         TEXT COLLATE "C" NOT NULL DEFAULT '',
    state           TEXT        NOT NULL DEFAULT 'pending',
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    last_attempt_at TIMESTAMPTZ,
    last_status     INTEGER     NOT NULL DEFAULT 0,
    last_error      TEXT        NOT NULL DEFAULT '',
    delivered_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (endpoint_id, event_id)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending' AND next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (endpoint_id, account, event_id)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (endpoint_id, state, event_id);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (created_at)
    WHERE state = 'pending';

-- An account's spend controls (NULL: not set) and the ledger's state for
-- them: whether balance.low has fired and not re-armed, the amount spent
-- in the current UTC day and month (spend_day and spend_month say which),
-- and the day and month for which spend_cap.reached was written. A row
-- exists only for accounts that have had controls.
CREATE TABLE spend_controls (
    account               TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES accounts (api_key),
    low_balance_threshold BIGINT,
    daily_cap             BIGINT,
    monthly_cap           BIGINT,
    low_balance_alerted   BOOLEAN     NOT NULL DEFAULT false,
    spend_day             TIMESTAMPTZ,
    spent_day             BIGINT      NOT NULL DEFAULT 0,
    spend_month           TIMESTAMPTZ,
    spent_month           BIGINT      NOT NULL DEFAULT 0,
    cap_event_day         TIMESTAMPTZ,
    cap_event_month       TIMESTAMPTZ,
    updated_at            TIMESTAMPTZ NOT NULL
);
