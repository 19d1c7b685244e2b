-- Which days a sandbox counts as business days: `weekends` (Monday to Friday, the default) or
-- `JP` (also Japan's national holidays skipped), see crates/domain/src/calendar.rs.
ALTER TABLE sandboxes ADD COLUMN business_calendar TEXT NOT NULL DEFAULT 'weekends';
