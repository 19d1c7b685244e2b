-- OAuth artefacts of the mock Entra ID: sign-in flows, authorization codes, refresh tokens and
-- device codes. Each is found by the SHA-256 of its secret value (never stored in clear) and
-- carries its grant as JSON. Times are unix seconds on the sandbox clock.
CREATE TABLE oauth_grants (
    kind       TEXT NOT NULL,          -- flow | code | refresh | device
    key_hash   TEXT NOT NULL,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    user_code  TEXT,                   -- device codes: what the user types on the sign-in page
    status     TEXT NOT NULL DEFAULT 'pending',
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (kind, key_hash)
);
CREATE UNIQUE INDEX oauth_grants_user_code ON oauth_grants(user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oauth_grants_sandbox ON oauth_grants(sandbox_id);
