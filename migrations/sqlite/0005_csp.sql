-- CSP: each partner's indirect reseller account and accepted agreements (JSON documents of
-- crates/domain), indirect provider relationship requests, customers and their agreements.

-- The CSP indirect reseller account (NULL: not enrolled).
ALTER TABLE partners ADD COLUMN csp TEXT;
ALTER TABLE partners ADD COLUMN agreements TEXT NOT NULL DEFAULT '[]';

-- A provider's invitation to a reseller; an approved one is the relationship.
CREATE TABLE relationship_requests (
    id              TEXT PRIMARY KEY,
    sandbox_id      TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    provider_tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    reseller_tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    state           TEXT NOT NULL,     -- pending | postponed | approved
    data            TEXT NOT NULL
);
CREATE INDEX relationship_requests_provider ON relationship_requests(provider_tenant, state);
CREATE INDEX relationship_requests_reseller ON relationship_requests(reseller_tenant, state);

CREATE TABLE customers (
    id                 TEXT PRIMARY KEY,
    sandbox_id         TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq                INTEGER NOT NULL,
    partner_tenant     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    associated_partner TEXT,
    domain             TEXT NOT NULL,
    data               TEXT NOT NULL
);
CREATE UNIQUE INDEX customers_domain ON customers(sandbox_id, domain);
CREATE INDEX customers_partner ON customers(partner_tenant, seq);
CREATE INDEX customers_associated ON customers(associated_partner, seq);

CREATE TABLE customer_agreements (
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (customer_id, seq)
);
