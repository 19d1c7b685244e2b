-- GDAP (Microsoft Graph's delegatedAdminRelationship family): a partner's relationships (each a
-- JSON document of crates/domain/src/gdap.rs holding its requests, access assignments and
-- operations) and the security groups of partner tenants; `due_at` (ms, sandbox clock) is when
-- the document next changes by itself (activation, expiry, auto-extension, a reminder).
CREATE TABLE gdap_docs (
    kind        TEXT NOT NULL,      -- relationship | group | servicePrincipal
    id          TEXT NOT NULL,
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    customer_id TEXT,
    seq         INTEGER NOT NULL,
    due_at      INTEGER,
    data        TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX gdap_docs_tenant ON gdap_docs(tenant_id, kind, seq);
CREATE INDEX gdap_docs_customer ON gdap_docs(customer_id, kind);
CREATE INDEX gdap_docs_due ON gdap_docs(sandbox_id, due_at);
-- A sandbox's GDAP timing: how long approval -> active, termination and access assignments take.
CREATE TABLE gdap_settings (
    sandbox_id             TEXT PRIMARY KEY REFERENCES sandboxes(id) ON DELETE CASCADE,
    activation_delay_secs  INTEGER NOT NULL,
    -- A fault: new access assignments stay `pending` whatever the clock says.
    stuck_assignments      INTEGER NOT NULL DEFAULT 0
);
