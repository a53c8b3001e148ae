-- 0009: price plans (docs/pricing.md, "Price plans"). A plan is a line of
-- price-book versions of its own (base '') or a derived plan: its base's
-- prices with a markup (percent, fixed and minimum as kassa.Amount units).
-- The existing versions become the plan 'default'. An account's plan is
-- its own ('' : its primary's, else 'default').
CREATE TABLE plans (
    name           TEXT    PRIMARY KEY,
    base           TEXT    NOT NULL DEFAULT '',
    markup_percent INTEGER NOT NULL DEFAULT 0,
    markup_fixed   INTEGER NOT NULL DEFAULT 0,
    markup_min     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

INSERT INTO plans (name, created_at) VALUES ('default', 0);

ALTER TABLE price_books ADD COLUMN plan TEXT NOT NULL DEFAULT 'default';

CREATE INDEX price_books_plan ON price_books (plan, effective_at);

ALTER TABLE accounts ADD COLUMN plan TEXT NOT NULL DEFAULT '';

CREATE INDEX accounts_plan ON accounts (plan) WHERE plan <> '';
