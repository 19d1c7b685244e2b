-- Partner Center webhooks: one registration per partner tenant, and the deliveries of its events
-- (JSON documents of crates/domain/src/webhooks.rs), oldest dropped past the sandbox's limit.
CREATE TABLE webhook_registrations (
    tenant_id  TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    data       TEXT NOT NULL
);
CREATE TABLE webhook_deliveries (
    id         TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    tenant_id  TEXT NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_sandbox ON webhook_deliveries(sandbox_id, seq);
