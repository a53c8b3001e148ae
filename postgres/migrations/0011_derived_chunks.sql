-- 0011: a format marker, no change to the tables. From this version on,
-- price_book_chunks may hold chunks of encoding 1 (derived records: a network
-- a deck row's prefix makes stores only the prefix; docs/pricing.md,
-- "Storage"), which a kassa that knows up to 10 cannot read. The migration
-- makes such a kassa refuse the database ("upgrade kassa") instead of
-- starting without its active price book.
SELECT 1;
