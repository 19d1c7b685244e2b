-- The Partner Center API surface: MFA policy, partner legal business profiles, organization
-- profiles and the request journal that feeds the MFA reports and the control plane.

ALTER TABLE sandboxes ADD COLUMN mfa_enforcement TEXT NOT NULL DEFAULT 'enforced';
ALTER TABLE tenants ADD COLUMN mfa_technical_exception INTEGER NOT NULL DEFAULT 0;

-- A tenant registered as a Microsoft partner, with its legal business profile (JSON).
CREATE TABLE partners (
    tenant_id     TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    sandbox_id    TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    legal_profile TEXT NOT NULL,
    website       TEXT,
    etag          TEXT NOT NULL
);
CREATE INDEX partners_sandbox ON partners(sandbox_id);

-- An organization profile someone edited (before that it is derived from the tenant).
CREATE TABLE organization_profiles (
    tenant_id  TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    etag       TEXT NOT NULL
);

-- Every authenticated /v1 request. Times are milliseconds on the sandbox clock.
CREATE TABLE api_journal (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    sandbox_id     TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    at_ms          INTEGER NOT NULL,
    request_id     TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    method         TEXT NOT NULL,
    path           TEXT NOT NULL,
    operation      TEXT NOT NULL,
    status         INTEGER NOT NULL,
    source_ip      TEXT NOT NULL,
    caller         TEXT NOT NULL,      -- app+user | app-only
    tenant_id      TEXT NOT NULL,
    user_id        TEXT,
    upn            TEXT,
    app_id         TEXT NOT NULL,
    app_name       TEXT NOT NULL,
    mfa            INTEGER NOT NULL
);
CREATE INDEX api_journal_sandbox ON api_journal(sandbox_id, seq);

-- Partner IDs (formerly MPN IDs): seven digits, unique in a sandbox.
CREATE TABLE partner_ids (
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL,
    tenant_id  TEXT NOT NULL REFERENCES partners(tenant_id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,          -- PartnerGlobal | PartnerLocation
    country    TEXT NOT NULL,
    status     TEXT NOT NULL,          -- inactive | active
    PRIMARY KEY (sandbox_id, partner_id)
);
CREATE INDEX partner_ids_tenant ON partner_ids(tenant_id);
