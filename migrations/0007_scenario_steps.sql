-- The steps of a sandbox's scenario (JSON array), run again on reset.
ALTER TABLE sandboxes ADD COLUMN steps TEXT NOT NULL DEFAULT '[]';
