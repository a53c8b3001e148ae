-- Price-book data in chunks (docs/pricing.md, "Storage"): a version's data
-- is a sequence of chunks read one at a time, so that a large version is
-- never in memory whole. An existing version's one encoded blob becomes its
-- only chunk (the reader recognises the older encoding).
CREATE TABLE price_book_chunks (
    version INTEGER NOT NULL REFERENCES price_books (version),
    seq     INTEGER NOT NULL,
    data    BLOB    NOT NULL,
    PRIMARY KEY (version, seq)
);

INSERT INTO price_book_chunks (version, seq, data) SELECT version, 0, data FROM price_books;

ALTER TABLE price_books DROP COLUMN data;

-- The service types whose prices are made-up demo prices, comma-separated
-- ("sms,sms-transit,voice" for the demo tariff; "" for real prices).
ALTER TABLE price_books ADD COLUMN demo_types TEXT NOT NULL DEFAULT '';

UPDATE price_books SET demo_types = 'sms,sms-transit,voice' WHERE demo <> 0;
