-- Sandboxes and the Entra objects inside them. Every row carries its sandbox; deleting a
-- sandbox removes everything in it (foreign keys are on: sqlx enables them for SQLite).

CREATE TABLE sandboxes (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    scenario_name   TEXT,
    -- The world the scenario produced (ids, hashes), JSON; reset restores it.
    snapshot        TEXT NOT NULL,
    -- Credentials the scenario itself states (user id / client id -> secret), JSON. They are
    -- public in the scenario already, so every read of the sandbox may show them.
    stated_secrets  TEXT NOT NULL DEFAULT '{}',
    clock_offset_ms INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);

CREATE TABLE tenants (
    id           TEXT PRIMARY KEY,
    sandbox_id   TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    domain       TEXT NOT NULL,
    country      TEXT NOT NULL,
    seq          INTEGER NOT NULL
);
CREATE INDEX tenants_sandbox ON tenants(sandbox_id, seq);

-- Every domain of a tenant (the initial one too), unique within a sandbox.
CREATE TABLE tenant_domains (
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    domain     TEXT NOT NULL,
    initial    INTEGER NOT NULL,
    PRIMARY KEY (sandbox_id, domain)
);
CREATE INDEX tenant_domains_domain ON tenant_domains(domain);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    sandbox_id          TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_principal_name TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    roles               TEXT NOT NULL,  -- JSON array of role names
    mfa_state           TEXT NOT NULL,
    totp_secret         TEXT,
    totp_last_step      INTEGER,
    password_hash       TEXT NOT NULL,
    seq                 INTEGER NOT NULL,
    UNIQUE (sandbox_id, user_principal_name)
);
CREATE INDEX users_tenant ON users(tenant_id, seq);

CREATE TABLE apps (
    client_id     TEXT PRIMARY KEY,
    sandbox_id    TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    display_name  TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,  -- JSON array
    public_client INTEGER NOT NULL,
    secret_hash   TEXT,
    seq           INTEGER NOT NULL
);
CREATE INDEX apps_sandbox ON apps(sandbox_id, seq);

-- Token signing keys (RS256), kept so that tokens survive a restart.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
