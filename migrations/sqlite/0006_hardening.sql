-- Hardening: sign-in throttling, settling only what is due, indexes for every keyed read and
-- for the per-row `seq` subqueries of bulk inserts (without them sandbox creation was quadratic).

-- 'on' | 'off': whether wrong passwords and codes lock accounts (off for load tests).
ALTER TABLE sandboxes ADD COLUMN sign_in_lockout TEXT NOT NULL DEFAULT 'on';

-- A user's failed sign-ins (JSON of domain::lockout::Guard); NULL when clean.
ALTER TABLE users ADD COLUMN sign_in_guard TEXT;

-- When the partner's verification next has work falling due (ms on the sandbox clock); NULL when
-- nothing is pending. -1 marks rows written before this column existed: settled on next write.
ALTER TABLE partners ADD COLUMN next_due_ms INTEGER;
UPDATE partners SET next_due_ms = -1 WHERE verification IS NOT NULL;
CREATE INDEX partners_due ON partners(sandbox_id, next_due_ms) WHERE next_due_ms IS NOT NULL;

CREATE INDEX users_sandbox_seq ON users(sandbox_id, seq);
CREATE INDEX tenant_domains_tenant ON tenant_domains(tenant_id);
CREATE INDEX oauth_grants_expiry ON oauth_grants(sandbox_id, expires_at);
CREATE INDEX oauth_grants_kind ON oauth_grants(sandbox_id, kind, status);
CREATE INDEX relationship_requests_sandbox ON relationship_requests(sandbox_id, seq);
CREATE INDEX customers_sandbox ON customers(sandbox_id, seq);
CREATE INDEX verification_links_sandbox ON verification_links(sandbox_id);

-- The request journal in pages: one row per sandbox per batch the writer commits, its entries a
-- JSON array (oldest first). A row per request made SQLite the bottleneck of every /v1 call.
CREATE TABLE api_journal_pages (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
    entries    INTEGER NOT NULL,
    last_at_ms INTEGER NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX api_journal_pages_sandbox ON api_journal_pages(sandbox_id, seq);

-- What earlier versions journaled: one page per sandbox.
INSERT INTO api_journal_pages (sandbox_id, entries, last_at_ms, data)
SELECT sandbox_id, COUNT(*), MAX(at_ms), json_group_array(json(entry)) FROM (
    SELECT sandbox_id, at_ms, json_object(
        'at', at_ms, 'rid', request_id, 'cid', correlation_id, 'method', method, 'path', path,
        'op', operation, 'status', status, 'ip', source_ip, 'caller', caller, 'tid', tenant_id,
        'uid', user_id, 'upn', upn, 'app', app_id, 'appName', app_name,
        'mfa', json(CASE WHEN mfa != 0 THEN 'true' ELSE 'false' END)) AS entry
    FROM api_journal ORDER BY seq)
GROUP BY sandbox_id;
DROP TABLE api_journal;
