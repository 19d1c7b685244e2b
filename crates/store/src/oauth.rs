//! OAuth artefacts (sign-in flows, codes, refresh tokens, device codes), keyed by hash.

use domain::SandboxId;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::{corrupt, map_write_err, Result, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Flow,
    Code,
    Refresh,
    Device,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Flow => "flow",
            Kind::Code => "code",
            Kind::Refresh => "refresh",
            Kind::Device => "device",
        }
    }
}

#[derive(Debug, Clone)]
pub struct GrantRow {
    pub key_hash: String,
    pub sandbox_id: SandboxId,
    pub data: String,
    pub status: String,
    pub expires_at: i64,
}

fn from_row(r: &SqliteRow) -> Result<GrantRow> {
    let sid: String = r.get("sandbox_id");
    Ok(GrantRow {
        key_hash: r.get("key_hash"),
        sandbox_id: sid.parse().map_err(|_| corrupt(format!("sandbox id {sid}")))?,
        data: r.get("data"),
        status: r.get("status"),
        expires_at: r.get("expires_at"),
    })
}

pub struct NewGrant<'a> {
    pub kind: Kind,
    pub key_hash: &'a str,
    pub sandbox: SandboxId,
    pub data: &'a str,
    pub user_code: Option<&'a str>,
    pub expires_at: i64,
}

pub async fn insert(tx: &mut Tx, g: NewGrant<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO oauth_grants (kind, key_hash, sandbox_id, data, user_code, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(g.kind.as_str())
    .bind(g.key_hash)
    .bind(g.sandbox.to_string())
    .bind(g.data)
    .bind(g.user_code)
    .bind(g.expires_at)
    .execute(&mut **tx)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

/// Reads a grant inside the write transaction, so that redeeming it is atomic.
pub async fn get(tx: &mut Tx, kind: Kind, key_hash: &str) -> Result<Option<GrantRow>> {
    let row = sqlx::query(
        "SELECT key_hash, sandbox_id, data, status, expires_at FROM oauth_grants WHERE kind = ? AND key_hash = ?",
    )
    .bind(kind.as_str())
    .bind(key_hash)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_user_code(tx: &mut Tx, user_code: &str) -> Result<Option<GrantRow>> {
    let row = sqlx::query("SELECT key_hash, sandbox_id, data, status, expires_at FROM oauth_grants WHERE kind = 'device' AND user_code = ?")
        .bind(user_code)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn update(tx: &mut Tx, kind: Kind, key_hash: &str, data: &str, status: &str) -> Result<()> {
    sqlx::query("UPDATE oauth_grants SET data = ?, status = ? WHERE kind = ? AND key_hash = ?")
        .bind(data)
        .bind(status)
        .bind(kind.as_str())
        .bind(key_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Removes every grant of a sandbox (reset).
pub async fn clear(tx: &mut Tx, sandbox: SandboxId) -> Result<()> {
    sqlx::query("DELETE FROM oauth_grants WHERE sandbox_id = ?")
        .bind(sandbox.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
