//! OAuth artefacts (sign-in flows, codes, refresh tokens, device codes), keyed by hash. Every
//! insert first purges the sandbox's expired ones, and the kinds anyone may create without a
//! credential (flows, device codes) are capped, so unauthenticated endpoints cannot grow the
//! database without bound.

use domain::SandboxId;
use sqlx::any::AnyRow;

use crate::rows;
use crate::{map_write_err, Conn, Result};

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

    /// Flows and device codes are started by anyone who knows a client id.
    fn unauthenticated(self) -> bool {
        matches!(self, Kind::Flow | Kind::Device)
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

fn from_row(r: &AnyRow) -> Result<GrantRow> {
    Ok(GrantRow {
        key_hash: rows::get(r, "key_hash")?,
        sandbox_id: rows::parse(r, "sandbox_id")?,
        data: rows::get(r, "data")?,
        status: rows::get(r, "status")?,
        expires_at: rows::get(r, "expires_at")?,
    })
}

pub struct NewGrant<'a> {
    pub kind: Kind,
    pub key_hash: &'a str,
    pub sandbox: SandboxId,
    pub data: &'a str,
    pub user_code: Option<&'a str>,
    pub expires_at: i64,
    /// What pending flows are counted by besides their sandbox (the client's id).
    pub bucket: Option<&'a str>,
}

/// How many grants a sandbox may hold.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Flows and device codes waiting for a user.
    pub pending: usize,
    /// Everything (codes and refresh tokens too); past it the oldest go.
    pub total: usize,
    /// Flows and device codes waiting for a user, per bucket (client).
    pub per_bucket: usize,
}

/// Stores a grant. `now` is the sandbox clock: what expired by then is purged first. A flow or
/// device code waiting for a user makes room for itself: past its bucket's bound, that bucket's
/// oldest waiting one goes; past the sandbox's, the sandbox's oldest. So a flood of sign-in
/// starts ends its own oldest flows, and never refuses (nor blocks) everyone else's.
pub async fn insert(c: &mut Conn, g: NewGrant<'_>, now: i64, caps: Caps) -> Result<()> {
    let sid = g.sandbox.to_string();
    crate::sql::query("DELETE FROM oauth_grants WHERE sandbox_id = ? AND expires_at <= ?")
        .bind(&sid)
        .bind(now)
        .execute(&mut *c)
        .await?;
    if g.kind.unauthenticated() {
        if let Some(bucket) = g.bucket {
            crate::sql::query(
                "DELETE FROM oauth_grants WHERE rowid IN (SELECT rowid FROM oauth_grants \
                 WHERE sandbox_id = ?1 AND bucket = ?2 AND kind IN ('flow', 'device') AND status = 'pending' \
                 ORDER BY rowid DESC LIMIT 9223372036854775807 OFFSET ?3)",
            )
            .bind(&sid)
            .bind(bucket)
            .bind(i64::try_from(caps.per_bucket.saturating_sub(1)).unwrap_or(i64::MAX))
            .execute(&mut *c)
            .await?;
        }
        crate::sql::query(
            "DELETE FROM oauth_grants WHERE rowid IN (SELECT rowid FROM oauth_grants \
             WHERE sandbox_id = ?1 AND kind IN ('flow', 'device') AND status = 'pending' \
             ORDER BY rowid DESC LIMIT 9223372036854775807 OFFSET ?2)",
        )
        .bind(&sid)
        .bind(i64::try_from(caps.pending.saturating_sub(1)).unwrap_or(i64::MAX))
        .execute(&mut *c)
        .await?;
    }
    crate::sql::query(
        "INSERT INTO oauth_grants (kind, key_hash, sandbox_id, data, user_code, expires_at, bucket) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(g.kind.as_str())
    .bind(g.key_hash)
    .bind(&sid)
    .bind(g.data)
    .bind(g.user_code)
    .bind(g.expires_at)
    .bind(g.bucket)
    .execute(&mut *c)
    .await
    .map_err(map_write_err)?;
    crate::sql::query(
        "DELETE FROM oauth_grants WHERE sandbox_id = ?1 AND rowid <= \
         (SELECT rowid FROM oauth_grants WHERE sandbox_id = ?1 ORDER BY rowid DESC LIMIT 1 OFFSET ?2)",
    )
    .bind(&sid)
    .bind(i64::try_from(caps.total).unwrap_or(i64::MAX))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// A grant by the hash of its secret value.
pub async fn get(c: &mut Conn, kind: Kind, key_hash: &str) -> Result<Option<GrantRow>> {
    let row = crate::sql::query(
        "SELECT key_hash, sandbox_id, data, status, expires_at FROM oauth_grants WHERE kind = ? AND key_hash = ?",
    )
    .bind(kind.as_str())
    .bind(key_hash)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_user_code(c: &mut Conn, user_code: &str) -> Result<Option<GrantRow>> {
    let row = crate::sql::query(
        "SELECT key_hash, sandbox_id, data, status, expires_at FROM oauth_grants WHERE kind = 'device' AND user_code = ?",
    )
    .bind(user_code)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Moves a grant from one status to another (and replaces its data), only if it still has the
/// status `from`: of two requests racing for one code or refresh token, exactly one moves it.
pub async fn transition(c: &mut Conn, kind: Kind, key_hash: &str, from: &str, to: &str, data: &str) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE oauth_grants SET data = ?, status = ? WHERE kind = ? AND key_hash = ? AND status = ?",
    )
    .bind(data)
    .bind(to)
    .bind(kind.as_str())
    .bind(key_hash)
    .bind(from)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces a grant's data and status (a flow moving through its steps).
pub async fn set(c: &mut Conn, kind: Kind, key_hash: &str, data: &str, status: &str) -> Result<()> {
    crate::sql::query("UPDATE oauth_grants SET data = ?, status = ? WHERE kind = ? AND key_hash = ?")
        .bind(data)
        .bind(status)
        .bind(kind.as_str())
        .bind(key_hash)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// How many grants of each kind a sandbox holds (tests and the console).
pub async fn count(c: &mut Conn, sandbox: SandboxId) -> Result<usize> {
    let r = crate::sql::query("SELECT COUNT(*) AS n FROM oauth_grants WHERE sandbox_id = ?")
        .bind(sandbox.to_string())
        .fetch_one(&mut *c)
        .await?;
    rows::count(&r, "n")
}

/// Revokes a user's refresh tokens in a sandbox (an admin's "revoke sessions"); how many.
/// Revokes every refresh token of a line (those that share `family` in their data): their
/// status becomes `replayed`.
pub async fn revoke_family(c: &mut Conn, sandbox: SandboxId, family: &str) -> Result<u64> {
    let r = crate::sql::query(
        "UPDATE oauth_grants SET status = 'replayed' WHERE kind = 'refresh' AND sandbox_id = ? AND status = 'pending' \
         AND json_extract(data, '$.family') = ?",
    )
    .bind(sandbox.to_string())
    .bind(family)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected())
}

pub async fn revoke_refresh_tokens(c: &mut Conn, sandbox: SandboxId, user: domain::UserId) -> Result<u64> {
    let r = crate::sql::query(
        "UPDATE oauth_grants SET status = 'revoked' WHERE kind = 'refresh' AND sandbox_id = ? AND status = 'pending' \
         AND json_extract(data, '$.user_id') = ?",
    )
    .bind(sandbox.to_string())
    .bind(user.to_string())
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected())
}
