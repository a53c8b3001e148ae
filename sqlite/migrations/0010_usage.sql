-- 0010: usage rollups and the index statements read entries through.
--
-- usage_rollups holds, per account whose balance paid (account), the
-- shared-balance subaccount it paid for ('' for its own usage), UTC day
-- (YYYY-MM-DD), service type, country and network code, the count, units
-- and amount (charged) of its charges and captures and the count and amount
-- of their refunds (a refund is counted on its own day, under the key of
-- what it refunds). The ledger adds to it in the transaction of every
-- charge, capture and refund: one row written per entry. A subaccount's
-- usage is the rows naming it; its primary's total includes them.
CREATE TABLE usage_rollups (
    account    TEXT    NOT NULL REFERENCES accounts (api_key),
    day        TEXT    NOT NULL,
    subaccount TEXT    NOT NULL DEFAULT '',
    type       TEXT    NOT NULL DEFAULT '',
    country    TEXT    NOT NULL DEFAULT '',
    network    TEXT    NOT NULL DEFAULT '',
    currency   TEXT    NOT NULL,
    count      INTEGER NOT NULL DEFAULT 0,
    units      INTEGER NOT NULL DEFAULT 0,
    charged    INTEGER NOT NULL DEFAULT 0,
    refunds    INTEGER NOT NULL DEFAULT 0,
    refunded   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, day, subaccount, type, country, network)
) WITHOUT ROWID;

CREATE INDEX usage_rollups_subaccount ON usage_rollups (subaccount, day) WHERE subaccount <> '';
CREATE INDEX usage_rollups_day ON usage_rollups (day);

-- Statements read one account's entries of one month.
CREATE INDEX entries_account_time ON entries (account, created_at);

-- The rollups of the entries written before this migration: charges (their
-- meta has the rating), captures (the captured amount is the hold less what
-- the capture returned; the hold entry's meta, when it has one, the
-- rating) and refunds (under the key of the charge or capture refunded).
INSERT INTO usage_rollups (account, day, subaccount, type, country, network, currency,
    count, units, charged, refunds, refunded)
SELECT u.account, u.day, u.subaccount, u.type, u.country, u.network, a.currency,
    SUM(u.count), SUM(u.units), SUM(u.charged), SUM(u.refunds), SUM(u.refunded)
FROM (
    SELECT e.account, strftime('%Y-%m-%d', e.created_at / 1000000000, 'unixepoch') AS day, e.subaccount,
        COALESCE(json_extract(e.meta, '$.type'), '') AS type,
        COALESCE(json_extract(e.meta, '$.country'), '') AS country,
        COALESCE(json_extract(e.meta, '$.network_code'), '') AS network,
        1 AS count, COALESCE(json_extract(e.meta, '$.units'), 0) AS units, -e.amount AS charged, 0 AS refunds, 0 AS refunded
    FROM entries e WHERE e.kind = 'charge' AND json_valid(e.meta)
    UNION ALL
    SELECT c.account, strftime('%Y-%m-%d', c.created_at / 1000000000, 'unixepoch'), c.subaccount,
        CASE WHEN json_valid(h.meta) THEN COALESCE(json_extract(h.meta, '$.type'), '') ELSE '' END,
        CASE WHEN json_valid(h.meta) THEN COALESCE(json_extract(h.meta, '$.country'), '') ELSE '' END,
        CASE WHEN json_valid(h.meta) THEN COALESCE(json_extract(h.meta, '$.network_code'), '') ELSE '' END,
        1, CASE WHEN json_valid(h.meta) THEN COALESCE(json_extract(h.meta, '$.units'), 0) ELSE 0 END,
        -h.amount - c.amount, 0, 0
    FROM entries c JOIN entries h ON h.id = c.related_id
    WHERE c.kind = 'capture' AND -h.amount - c.amount > 0
    UNION ALL
    SELECT r.account, strftime('%Y-%m-%d', r.created_at / 1000000000, 'unixepoch'), r.subaccount,
        CASE WHEN json_valid(k.meta) THEN COALESCE(json_extract(k.meta, '$.type'), '') ELSE '' END,
        CASE WHEN json_valid(k.meta) THEN COALESCE(json_extract(k.meta, '$.country'), '') ELSE '' END,
        CASE WHEN json_valid(k.meta) THEN COALESCE(json_extract(k.meta, '$.network_code'), '') ELSE '' END,
        0, 0, 0, 1, r.amount
    FROM entries r JOIN entries o ON o.id = r.related_id
        JOIN entries k ON k.id = CASE WHEN o.kind = 'capture' THEN o.related_id ELSE o.id END
    WHERE r.kind = 'refund'
) u JOIN accounts a ON a.api_key = u.account
GROUP BY u.account, u.day, u.subaccount, u.type, u.country, u.network;
