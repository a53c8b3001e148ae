-- 0008: the event outbox, the webhook endpoints and the delivery of each
-- event to each of them, and the spend controls of accounts (low-balance
-- alert, daily and monthly spend caps) with the ledger's bookkeeping of
-- them. Times are INTEGER unix nanoseconds, 0 meaning "not set".

-- Every event is inserted by the transaction of the change that caused it.
-- SQLite has one writer at a time, so ids grow in commit order: a reader's
-- highest id is a cursor that never skips an event committed later.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    type       TEXT    NOT NULL,
    account    TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    data       TEXT    NOT NULL
);

CREATE INDEX events_account ON events (account, id);
CREATE INDEX events_type ON events (type, id);

-- types is the space-separated list of event types the endpoint receives
-- ('' for all); cursor is the last event id fanned out to it.
CREATE TABLE webhook_endpoints (
    id          TEXT    NOT NULL PRIMARY KEY,
    url         TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    types       TEXT    NOT NULL DEFAULT '',
    description TEXT    NOT NULL DEFAULT '',
    cursor      INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- One row per event and endpoint. Among the pending deliveries of one
-- endpoint and account, only the one with the lowest event id has a
-- next_attempt_at (NULL: waiting behind it), which is how events reach an
-- endpoint in order per account.
CREATE TABLE webhook_deliveries (
    endpoint_id     TEXT    NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    account         TEXT    NOT NULL DEFAULT '',
    state           TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    delivered_at    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, event_id)
) WITHOUT ROWID;

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
    account               TEXT    NOT NULL PRIMARY KEY REFERENCES accounts (api_key),
    low_balance_threshold INTEGER,
    daily_cap             INTEGER,
    monthly_cap           INTEGER,
    low_balance_alerted   INTEGER NOT NULL DEFAULT 0,
    spend_day             INTEGER NOT NULL DEFAULT 0,
    spent_day             INTEGER NOT NULL DEFAULT 0,
    spend_month           INTEGER NOT NULL DEFAULT 0,
    spent_month           INTEGER NOT NULL DEFAULT 0,
    cap_event_day         INTEGER NOT NULL DEFAULT 0,
    cap_event_month       INTEGER NOT NULL DEFAULT 0,
    updated_at            INTEGER NOT NULL
);
