-- A sandbox may start at a chosen instant (`startAt`) instead of real time; a reset goes back to
-- it. NULL: the clock started at real time. RFC 3339, as created_at.
ALTER TABLE sandboxes ADD COLUMN start_at TEXT;
