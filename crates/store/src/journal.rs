//! The request journal of the Partner Center API: one row per authenticated `/v1` request.

use domain::SandboxId;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::{Result, Store, Tx};

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
    let sid: String = r.get("sandbox_id");
    Ok(Entry {
        sandbox_id: sid.parse().map_err(|_| crate::corrupt(format!("sandbox id {sid}")))?,
        at_ms: r.get("at_ms"),
        request_id: r.get("request_id"),
        correlation_id: r.get("correlation_id"),
        method: r.get("method"),
        path: r.get("path"),
        operation: r.get("operation"),
        status: u16::try_from(r.get::<i64, _>("status")).unwrap_or_default(),
        source_ip: r.get("source_ip"),
        caller: r.get("caller"),
        tenant_id: r.get("tenant_id"),
        user_id: r.get("user_id"),
        upn: r.get("upn"),
        app_id: r.get("app_id"),
        app_name: r.get("app_name"),
        mfa: r.get::<i64, _>("mfa") != 0,
    })
}

/// Rows per INSERT statement (16 columns each, well under SQLite's 32766 variables).
const ROWS_PER_INSERT: usize = 200;

/// Appends entries, many rows per statement; those of a sandbox deleted meanwhile are dropped.
pub async fn append(tx: &mut Tx, entries: &[Entry]) -> Result<()> {
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
        match sql.execute(&mut **tx).await {
            Ok(_) => {}
            Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                // Fall back to one row at a time, keeping those whose sandbox still exists.
                for e in chunk {
                    append_one(tx, e).await?;
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

async fn append_one(tx: &mut Tx, e: &Entry) -> Result<()> {
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
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// The newest `limit` entries of a sandbox, newest first; only App+User calls when asked,
    /// and only those at or after `since_ms`.
    pub async fn journal(
        &self,
        sandbox: SandboxId,
        app_user_only: bool,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Entry>> {
        let rows = sqlx::query(
            "SELECT * FROM api_journal WHERE sandbox_id = ? AND at_ms >= ? AND (? = 0 OR caller = 'app+user') ORDER BY seq DESC LIMIT ?",
        )
        .bind(sandbox.to_string())
        .bind(since_ms)
        .bind(i64::from(app_user_only))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(from_row).collect()
    }
}
