-- 0010: usage rollups and the index statements read entries through; the
-- same table as sqlite/migrations/0010 (see there). Days are text
-- (YYYY-MM-DD, UTC) in both stores.
CREATE TABLE usage_rollups (
    account    TEXT COLLATE "C" NOT NULL REFERENCES accounts (api_key),
    day        TEXT COLLATE "C" NOT NULL,
    subaccount TEXT COLLATE "C" NOT NULL DEFAULT '',
    type       TEXT COLLATE "C" NOT NULL DEFAULT '',
    country    TEXT COLLATE "C" NOT NULL DEFAULT '',
    network    TEXT COLLATE "C" NOT NULL DEFAULT '',
    currency   TEXT        NOT NULL,
    count      BIGINT      NOT NULL DEFAULT 0,
    units      BIGINT      NOT NULL DEFAULT 0,
    charged    BIGINT      NOT NULL DEFAULT 0,
    refunds    BIGINT      NOT NULL DEFAULT 0,
    refunded   BIGINT      NOT NULL DEFAULT 0,
    PRIMARY KEY (account, day, subaccount, type, country, network)
);

CREATE INDEX usage_rollups_subaccount ON usage_rollups (subaccount, day) WHERE subaccount <> '';
CREATE INDEX usage_rollups_day ON usage_rollups (day);

-- Statements read one account's entries of one month.
CREATE INDEX entries_account_time ON entries (account, created_at, id);

-- The rollups of the entries written before this migration (see SQLite's).
INSERT INTO usage_rollups (account, day, subaccount, type, country, network, currency,
    count, units, charged, refunds, refunded)
SELECT u.account, u.day, u.subaccount, u.type, u.country, u.network, a.currency,
    sum(u.count), sum(u.units), sum(u.charged), sum(u.refunds), sum(u.refunded)
FROM (
    SELECT e.account, to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, e.subaccount,
        COALESCE(e.meta::jsonb ->> 'type', '') AS type,
        COALESCE(e.meta::jsonb ->> 'country', '') AS country,
        COALESCE(e.meta::jsonb ->> 'network_code', '') AS network,
        1 AS count, COALESCE((e.meta::jsonb ->> 'units')::bigint, 0) AS units, -e.amount AS charged,
        0 AS refunds, 0::bigint AS refunded
    FROM entries e WHERE e.kind = 'charge' AND e.meta LIKE '{%'
    UNION ALL
    SELECT c.account, to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), c.subaccount,
        CASE WHEN h.meta LIKE '{%' THEN COALESCE(h.meta::jsonb ->> 'type', '') ELSE '' END,
        CASE WHEN h.meta LIKE '{%' THEN COALESCE(h.meta::jsonb ->> 'country', '') ELSE '' END,
        CASE WHEN h.meta LIKE '{%' THEN COALESCE(h.meta::jsonb ->> 'network_code', '') ELSE '' END,
        1, CASE WHEN h.meta LIKE '{%' THEN COALESCE((h.meta::jsonb ->> 'units')::bigint, 0) ELSE 0 END,
        -h.amount - c.amount, 0, 0
    FROM entries c JOIN entries h ON h.id = c.related_id
    WHERE c.kind = 'capture' AND -h.amount - c.amount > 0
    UNION ALL
    SELECT r.account, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), r.subaccount,
        CASE WHEN k.meta LIKE '{%' THEN COALESCE(k.meta::jsonb ->> 'type', '') ELSE '' END,
        CASE WHEN k.meta LIKE '{%' THEN COALESCE(k.meta::jsonb ->> 'country', '') ELSE '' END,
        CASE WHEN k.meta LIKE '{%' THEN COALESCE(k.meta::jsonb ->> 'network_code', '') ELSE '' END,
        0, 0, 0, 1, r.amount
    FROM entries r JOIN entries o ON o.id = r.related_id
        JOIN entries k ON k.id = CASE WHEN o.kind = 'capture' THEN o.related_id ELSE o.id END
    WHERE r.kind = 'refund'
) u JOIN accounts a ON a.api_key = u.account
GROUP BY u.account, u.day, u.subaccount, u.type, u.country, u.network, a.currency;
