-- Team keys (a shared server): each team's key kept as its SHA-256 (a key is 256 random bits,
-- so a fast hash suffices and a lookup by hash costs one index probe), and the team that owns
-- each sandbox (NULL: made with the admin key, or on an open loopback server).
CREATE TABLE team_keys (
    team       TEXT PRIMARY KEY,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
ALTER TABLE sandboxes ADD COLUMN team TEXT;
CREATE INDEX sandboxes_team ON sandboxes(team);
