-- The whole schema on PostgreSQL, as the SQLite migrations (migrations/sqlite) leave it at 0017:
-- the same tables, columns and meanings, so one SQL text serves both engines (crates/store/src/sql.rs).
-- Integers are BIGINT (SQLite's INTEGER), booleans BIGINT 0/1, times and JSON TEXT, as on SQLite.
-- Every table has a `rowid` (insertion order, as SQLite's implicit one), and the SQLite functions the
-- statements use are defined below under their SQLite names.

-- json_each(text): the elements of a JSON array as text, in a column named `value`.
CREATE FUNCTION json_each(doc text) RETURNS TABLE (value text)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT json_array_elements_text(doc::json) $$;

-- json_extract(text, '$.a.b' | '$[n]'): the value at a path, as text.
CREATE FUNCTION json_extract(doc text, path text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT doc::json #>> string_to_array(
              trim(both '.' from regexp_replace(substr(path, 2), '\[(\d+)\]', '.\1', 'g')), '.') $$;

-- json_object(k1, v1, …, k4, v4) with text values: the one shape the statements use.
CREATE FUNCTION json_object(k1 text, v1 text, k2 text, v2 text, k3 text, v3 text, k4 text, v4 text)
    RETURNS json LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT json_build_object(k1, v1, k2, v2, k3, v3, k4, v4) $$;

-- json_group_array(x): the values of a group as a JSON array text ('[]' for none).
CREATE FUNCTION pcsandbox_json_array(anycompatiblearray) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(array_to_json($1)::text, '[]') $$;
CREATE AGGREGATE json_group_array(anycompatible) (
    SFUNC = array_append,
    STYPE = anycompatiblearray,
    FINALFUNC = pcsandbox_json_array,
    INITCOND = '{}'
);

CREATE TABLE sandboxes (
    rowid                BIGSERIAL UNIQUE,
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    scenario_name        TEXT,
    snapshot             TEXT NOT NULL,
    stated_secrets       TEXT NOT NULL DEFAULT '{}',
    clock_offset_ms      BIGINT NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    mfa_enforcement      TEXT NOT NULL DEFAULT 'enforced',
    review_business_days BIGINT NOT NULL DEFAULT 2,
    sign_in_lockout      TEXT NOT NULL DEFAULT 'on',
    steps                TEXT NOT NULL DEFAULT '[]',
    start_at             TEXT,
    team                 TEXT,
    business_calendar    TEXT NOT NULL DEFAULT 'weekends'
);
CREATE INDEX sandboxes_team ON sandboxes(team);

CREATE TABLE tenants (
    rowid                   BIGSERIAL UNIQUE,
    id                      TEXT PRIMARY KEY,
    sandbox_id              TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    display_name            TEXT NOT NULL,
    domain                  TEXT NOT NULL,
    country                 TEXT NOT NULL,
    seq                     BIGINT NOT NULL,
    mfa_technical_exception BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tenants_sandbox ON tenants(sandbox_id, seq);

CREATE TABLE tenant_domains (
    rowid      BIGSERIAL UNIQUE,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    domain     TEXT NOT NULL,
    initial    BIGINT NOT NULL,
    PRIMARY KEY (sandbox_id, domain)
);
CREATE INDEX tenant_domains_domain ON tenant_domains(domain);
CREATE INDEX tenant_domains_tenant ON tenant_domains(tenant_id);

CREATE TABLE users (
    rowid               BIGSERIAL UNIQUE,
    id                  TEXT PRIMARY KEY,
    sandbox_id          TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_principal_name TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    roles               TEXT NOT NULL,
    mfa_state           TEXT NOT NULL,
    totp_secret         TEXT,
    totp_last_step      BIGINT,
    password_hash       TEXT NOT NULL,
    seq                 BIGINT NOT NULL,
    sign_in_guard       TEXT,
    UNIQUE (sandbox_id, user_principal_name)
);
CREATE INDEX users_tenant ON users(tenant_id, seq);
CREATE INDEX users_sandbox_seq ON users(sandbox_id, seq);

CREATE TABLE apps (
    rowid         BIGSERIAL UNIQUE,
    client_id     TEXT PRIMARY KEY,
    sandbox_id    TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    display_name  TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    public_client BIGINT NOT NULL,
    secret_hash   TEXT,
    seq           BIGINT NOT NULL
);
CREATE INDEX apps_sandbox ON apps(sandbox_id, seq);

CREATE TABLE signing_keys (
    rowid       BIGSERIAL UNIQUE,
    kid         TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE oauth_grants (
    rowid      BIGSERIAL UNIQUE,
    kind       TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    user_code  TEXT,
    status     TEXT NOT NULL DEFAULT 'pending',
    expires_at BIGINT NOT NULL,
    bucket     TEXT,
    PRIMARY KEY (kind, key_hash)
);
CREATE UNIQUE INDEX oauth_grants_user_code ON oauth_grants(user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oauth_grants_sandbox ON oauth_grants(sandbox_id);
CREATE INDEX oauth_grants_expiry ON oauth_grants(sandbox_id, expires_at);
CREATE INDEX oauth_grants_kind ON oauth_grants(sandbox_id, kind, status);
CREATE INDEX oauth_grants_bucket ON oauth_grants(sandbox_id, bucket, status);

CREATE TABLE partners (
    rowid          BIGSERIAL UNIQUE,
    tenant_id      TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    sandbox_id     TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    legal_profile  TEXT NOT NULL,
    website        TEXT,
    etag           TEXT NOT NULL,
    programs       TEXT NOT NULL DEFAULT '[]',
    verification   TEXT,
    last_finalized TEXT,
    csp            TEXT,
    agreements     TEXT NOT NULL DEFAULT '[]',
    next_due_ms    BIGINT
);
CREATE INDEX partners_sandbox ON partners(sandbox_id);
CREATE INDEX partners_due ON partners(sandbox_id, next_due_ms) WHERE next_due_ms IS NOT NULL;

CREATE TABLE organization_profiles (
    rowid      BIGSERIAL UNIQUE,
    tenant_id  TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    etag       TEXT NOT NULL
);

CREATE TABLE partner_ids (
    rowid      BIGSERIAL UNIQUE,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL,
    tenant_id  TEXT NOT NULL REFERENCES partners(tenant_id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    country    TEXT NOT NULL,
    status     TEXT NOT NULL,
    PRIMARY KEY (sandbox_id, partner_id)
);
CREATE INDEX partner_ids_tenant ON partner_ids(tenant_id);

CREATE TABLE registry (
    rowid               BIGSERIAL UNIQUE,
    sandbox_id          TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq                 BIGINT NOT NULL,
    company_name        TEXT NOT NULL,
    address             TEXT NOT NULL,
    registration_number TEXT,
    PRIMARY KEY (sandbox_id, seq)
);

CREATE TABLE mailbox (
    rowid      BIGSERIAL UNIQUE,
    id         TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    links      TEXT NOT NULL,
    sent_at    TEXT NOT NULL
);
CREATE INDEX mailbox_sandbox ON mailbox(sandbox_id, seq);

CREATE TABLE verification_links (
    rowid      BIGSERIAL UNIQUE,
    token      TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES partners(tenant_id) ON DELETE CASCADE
);
CREATE INDEX verification_links_sandbox ON verification_links(sandbox_id);

CREATE TABLE relationship_requests (
    rowid           BIGSERIAL UNIQUE,
    id              TEXT PRIMARY KEY,
    sandbox_id      TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    provider_tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    reseller_tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    state           TEXT NOT NULL,
    data            TEXT NOT NULL
);
CREATE INDEX relationship_requests_provider ON relationship_requests(provider_tenant, state);
CREATE INDEX relationship_requests_reseller ON relationship_requests(reseller_tenant, state);
CREATE INDEX relationship_requests_sandbox ON relationship_requests(sandbox_id, seq);

CREATE TABLE customers (
    rowid              BIGSERIAL UNIQUE,
    id                 TEXT PRIMARY KEY,
    sandbox_id         TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq                BIGINT NOT NULL,
    partner_tenant     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    associated_partner TEXT,
    domain             TEXT NOT NULL,
    data               TEXT NOT NULL
);
CREATE UNIQUE INDEX customers_domain ON customers(sandbox_id, domain);
CREATE INDEX customers_partner ON customers(partner_tenant, seq);
CREATE INDEX customers_associated ON customers(associated_partner, seq);
CREATE INDEX customers_sandbox ON customers(sandbox_id, seq);

CREATE TABLE customer_agreements (
    rowid       BIGSERIAL UNIQUE,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (customer_id, seq)
);

CREATE TABLE api_journal_pages (
    rowid      BIGSERIAL UNIQUE,
    seq        BIGSERIAL PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    entries    BIGINT NOT NULL,
    last_at_ms BIGINT NOT NULL,
    data       TEXT NOT NULL,
    bytes      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_journal_pages_sandbox ON api_journal_pages(sandbox_id, seq);

CREATE TABLE sandbox_keys (
    rowid       BIGSERIAL UNIQUE,
    sandbox_id  TEXT PRIMARY KEY REFERENCES sandboxes(id) ON DELETE CASCADE,
    kid         TEXT NOT NULL,
    private_pem TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE commerce_docs (
    rowid       BIGSERIAL UNIQUE,
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX commerce_docs_customer ON commerce_docs(customer_id, kind, seq);
CREATE INDEX commerce_docs_sandbox ON commerce_docs(sandbox_id);

CREATE TABLE webhook_registrations (
    rowid      BIGSERIAL UNIQUE,
    tenant_id  TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    data       TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    rowid      BIGSERIAL UNIQUE,
    id         TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    tenant_id  TEXT NOT NULL,
    data       TEXT NOT NULL,
    lease_until_ms BIGINT
);
CREATE INDEX webhook_deliveries_sandbox ON webhook_deliveries(sandbox_id, seq);
CREATE INDEX webhook_deliveries_lease ON webhook_deliveries(lease_until_ms) WHERE lease_until_ms IS NOT NULL;

CREATE TABLE gdap_docs (
    rowid       BIGSERIAL UNIQUE,
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    customer_id TEXT,
    seq         BIGINT NOT NULL,
    due_at      BIGINT,
    data        TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX gdap_docs_tenant ON gdap_docs(tenant_id, kind, seq);
CREATE INDEX gdap_docs_customer ON gdap_docs(customer_id, kind);
CREATE INDEX gdap_docs_due ON gdap_docs(sandbox_id, due_at);

CREATE TABLE gdap_settings (
    rowid                 BIGSERIAL UNIQUE,
    sandbox_id            TEXT PRIMARY KEY REFERENCES sandboxes(id) ON DELETE CASCADE,
    activation_delay_secs BIGINT NOT NULL,
    stuck_assignments     BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE team_keys (
    rowid      BIGSERIAL UNIQUE,
    team       TEXT PRIMARY KEY,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE server_secrets (
    rowid      BIGSERIAL UNIQUE,
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
