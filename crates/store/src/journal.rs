//! The request journal of the Partner Center API: one row per authenticated `/v1` request.

use crate::rows::{self, get};
use crate::{Conn, Result};
use domain::SandboxId;
use sqlx::sqlite::SqliteRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub sandbox_id: SandboxId,
    /// Milliseconds since the epoch on the sandbox clock.
    pub at_ms: i64,
    pub request_id: String,
    pub correlation_id: String,
    pub method: String,
    pub path: String,
    pub operation: String,
    pub status: u16,
    pub source_ip: String,
    /// `app+user` or `app-only`.
    pub caller: String,
    pub tenant_id: String,
    pub user_id: Option<String>,
    pub upn: Option<String>,
    pub app_id: String,
    pub app_name: String,
    pub mfa: bool,
}

pub const APP_USER: &str = "app+user";
pub const APP_ONLY: &str = "app-only";

fn from_row(r: &SqliteRow) -> Result<Entry> {
    Ok(Entry {
        sandbox_id: rows::parse(r, "sandbox_id")?,
        at_ms: get(r, "at_ms")?,
        request_id: get(r, "request_id")?,
        correlation_id: get(r, "correlation_id")?,
        method: get(r, "method")?,
        path: get(r, "path")?,
        operation: get(r, "operation")?,
        status: u16::try_from(get::<i64>(r, "status")?).map_err(|_| crate::corrupt("journal status"))?,
        source_ip: get(r, "source_ip")?,
        caller: get(r, "caller")?,
        tenant_id: get(r, "tenant_id")?,
        user_id: get(r, "user_id")?,
        upn: get(r, "upn")?,
        app_id: get(r, "app_id")?,
        app_name: get(r, "app_name")?,
        mfa: get::<i64>(r, "mfa")? != 0,
    })
}

/// Rows per INSERT statement (16 columns each, well under SQLite's 32766 variables).
const ROWS_PER_INSERT: usize = 200;

/// Appends entries, many rows per statement; those of a sandbox deleted meanwhile are dropped.
pub async fn append(c: &mut Conn, entries: &[Entry]) -> Result<()> {
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO api_journal (sandbox_id, at_ms, request_id, correlation_id, method, path, operation, status, source_ip, caller, tenant_id, user_id, upn, app_id, app_name, mfa) ",
        );
        q.push_values(chunk, |mut b, e| {
            b.push_bind(e.sandbox_id.to_string())
                .push_bind(e.at_ms)
                .push_bind(&e.request_id)
                .push_bind(&e.correlation_id)
                .push_bind(&e.method)
                .push_bind(&e.path)
                .push_bind(&e.operation)
                .push_bind(i64::from(e.status))
                .push_bind(&e.source_ip)
                .push_bind(&e.caller)
                .push_bind(&e.tenant_id)
                .push_bind(&e.user_id)
                .push_bind(&e.upn)
                .push_bind(&e.app_id)
                .push_bind(&e.app_name)
                .push_bind(i64::from(e.mfa));
        });
        let sql = q.build();
        match sql.execute(&mut *c).await {
            Ok(_) => {}
            Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                // Fall back to one row at a time, keeping those whose sandbox still exists.
                for e in chunk {
                    append_one(c, e).await?;
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

async fn append_one(c: &mut Conn, e: &Entry) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_journal (sandbox_id, at_ms, request_id, correlation_id, method, path, operation, status, source_ip, caller, tenant_id, user_id, upn, app_id, app_name, mfa) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16 WHERE EXISTS (SELECT 1 FROM sandboxes WHERE id = ?1)",
    )
    .bind(e.sandbox_id.to_string())
    .bind(e.at_ms)
    .bind(&e.request_id)
    .bind(&e.correlation_id)
    .bind(&e.method)
    .bind(&e.path)
    .bind(&e.operation)
    .bind(i64::from(e.status))
    .bind(&e.source_ip)
    .bind(&e.caller)
    .bind(&e.tenant_id)
    .bind(&e.user_id)
    .bind(&e.upn)
    .bind(&e.app_id)
    .bind(&e.app_name)
    .bind(i64::from(e.mfa))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Keeps a sandbox's newest `keep` entries and drops the older ones.
pub async fn prune(c: &mut Conn, sandbox: SandboxId, keep: usize) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM api_journal WHERE sandbox_id = ?1 AND seq <= \
         (SELECT seq FROM api_journal WHERE sandbox_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
    )
    .bind(sandbox.to_string())
    .bind(i64::try_from(keep).unwrap_or(i64::MAX))
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected())
}

/// How many entries a sandbox's journal holds.
pub async fn count(c: &mut Conn, sandbox: SandboxId) -> Result<usize> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM api_journal WHERE sandbox_id = ?")
        .bind(sandbox.to_string())
        .fetch_one(&mut *c)
        .await?;
    rows::count(&r, "n")
}

/// The newest App+User requests of one tenant at or after `since_ms`, newest first, at most
/// `limit` (the MFA reports read at most what the real API returns).
pub async fn tenant_requests(
    c: &mut Conn,
    sandbox: SandboxId,
    tenant: &str,
    since_ms: i64,
    limit: usize,
) -> Result<Vec<Entry>> {
    let rows = sqlx::query(
        "SELECT * FROM api_journal WHERE sandbox_id = ? AND tenant_id = ? AND caller = 'app+user' AND at_ms >= ? \
         ORDER BY seq DESC LIMIT ?",
    )
    .bind(sandbox.to_string())
    .bind(tenant)
    .bind(since_ms)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The newest `limit` entries of a sandbox, newest first.
pub async fn newest(c: &mut Conn, sandbox: SandboxId, limit: usize) -> Result<Vec<Entry>> {
    let rows = sqlx::query("SELECT * FROM api_journal WHERE sandbox_id = ? ORDER BY seq DESC LIMIT ?")
        .bind(sandbox.to_string())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(from_row).collect()
}
