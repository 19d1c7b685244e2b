-- The bytes of each journal page, kept beside it: the journal's bound in bytes is then a sum
-- of integers, not a read of every page's text.
ALTER TABLE api_journal_pages ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
UPDATE api_journal_pages SET bytes = LENGTH(CAST(data AS BLOB));
