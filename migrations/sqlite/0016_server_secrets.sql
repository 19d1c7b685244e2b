-- Secrets every process serving this database shares: on PostgreSQL the replicas' HTTPS CA and
-- portal cookie key (one replica makes each, the others read it). On SQLite one process owns the
-- file and keeps making its cookie key per run; the table is here so both engines have one schema.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
