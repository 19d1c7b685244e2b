-- New commerce: a customer's carts, orders and subscriptions (JSON documents of
-- crates/domain/src/commerce.rs), its users' profiles and licences, and the applications
-- consented in its tenant; one table keyed by kind.
CREATE TABLE commerce_docs (
    kind        TEXT NOT NULL,      -- cart | order | subscription | user | consent
    id          TEXT NOT NULL,
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX commerce_docs_customer ON commerce_docs(customer_id, kind, seq);
CREATE INDEX commerce_docs_sandbox ON commerce_docs(sandbox_id);
