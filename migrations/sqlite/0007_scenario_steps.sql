-- The steps of a sandbox's scenario (JSON array), run again on reset.
ALTER TABLE sandboxes ADD COLUMN steps TEXT NOT NULL DEFAULT '[]';

-- A sandbox's own signing key, after a rollover (the server's keys sign for the others).
CREATE TABLE sandbox_keys (
    sandbox_id  TEXT PRIMARY KEY REFERENCES sandboxes(id) ON DELETE CASCADE,
    kid         TEXT NOT NULL,
    private_pem TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
