-- Onboarding: each partner's programs and verification (JSON documents of crates/domain), the
-- sandbox's mock public registry, its mailbox and the email-ownership links it sent.

ALTER TABLE sandboxes ADD COLUMN review_business_days INTEGER NOT NULL DEFAULT 2;

ALTER TABLE partners ADD COLUMN programs TEXT NOT NULL DEFAULT '[]';
-- The verification in progress or last run (NULL: a partner a scenario declared verified).
ALTER TABLE partners ADD COLUMN verification TEXT;
-- The last verification that finished, as it finished (vettingVersion=LastFinalized).
ALTER TABLE partners ADD COLUMN last_finalized TEXT;

CREATE TABLE registry (
    sandbox_id          TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq                 INTEGER NOT NULL,
    company_name        TEXT NOT NULL,
    address             TEXT NOT NULL,
    registration_number TEXT,
    PRIMARY KEY (sandbox_id, seq)
);

CREATE TABLE mailbox (
    id         TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    links      TEXT NOT NULL,
    sent_at    TEXT NOT NULL
);
CREATE INDEX mailbox_sandbox ON mailbox(sandbox_id, seq);

-- Every email-ownership link ever sent: a link names its partner even after a newer one voids it.
CREATE TABLE verification_links (
    token      TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES partners(tenant_id) ON DELETE CASCADE
);
