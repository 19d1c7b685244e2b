//! GDAP documents: a partner tenant's delegated admin relationships and security groups (JSON
//! documents of `domain::gdap`), and a sandbox's GDAP timing.

use domain::{SandboxId, TenantId};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::Row;

use crate::rows;
use crate::{map_write_err, Conn, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Relationship,
    Group,
    /// A service principal provisioned in a tenant (`{tenant}:{appId}`).
    ServicePrincipal,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Relationship => "relationship",
            Kind::Group => "group",
            Kind::ServicePrincipal => "servicePrincipal",
        }
    }
}

/// Where a document belongs and when it next changes by itself.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    pub sandbox: SandboxId,
    pub tenant: TenantId,
    pub customer: Option<TenantId>,
    pub due_at_ms: Option<i64>,
}

/// Adds a document (its id must be new).
pub async fn insert<T: Serialize>(c: &mut Conn, kind: Kind, id: &str, at: Placement, doc: &T) -> Result<()> {
    crate::sql::query(
        "INSERT INTO gdap_docs (kind, id, sandbox_id, tenant_id, customer_id, seq, due_at, data) VALUES \
         (?1, ?2, ?3, ?4, ?5, (SELECT COALESCE(MAX(seq), 0) + 1 FROM gdap_docs WHERE tenant_id = ?4 AND kind = ?1), ?6, ?7)",
    )
    .bind(kind.as_str())
    .bind(id)
    .bind(at.sandbox.to_string())
    .bind(at.tenant.to_string())
    .bind(at.customer.map(|c| c.to_string()))
    .bind(at.due_at_ms)
    .bind(rows::to_json(doc)?)
    .execute(&mut *c)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

/// Replaces a document, with its customer and next due time.
pub async fn update<T: Serialize>(
    c: &mut Conn,
    kind: Kind,
    id: &str,
    customer: Option<TenantId>,
    due_at_ms: Option<i64>,
    doc: &T,
) -> Result<()> {
    crate::sql::query("UPDATE gdap_docs SET data = ?, customer_id = ?, due_at = ? WHERE kind = ? AND id = ?")
        .bind(rows::to_json(doc)?)
        .bind(customer.map(|c| c.to_string()))
        .bind(due_at_ms)
        .bind(kind.as_str())
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// A document of a sandbox by id.
pub async fn get<T: DeserializeOwned>(c: &mut Conn, kind: Kind, sandbox: SandboxId, id: &str) -> Result<Option<T>> {
    let row = crate::sql::query("SELECT data FROM gdap_docs WHERE kind = ? AND id = ? AND sandbox_id = ?")
        .bind(kind.as_str())
        .bind(id)
        .bind(sandbox.to_string())
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| rows::json(&r, "data")).transpose()
}

/// A partner tenant's documents of a kind, oldest first.
pub async fn list<T: DeserializeOwned>(c: &mut Conn, kind: Kind, tenant: TenantId) -> Result<Vec<T>> {
    let rows = crate::sql::query("SELECT data FROM gdap_docs WHERE kind = ? AND tenant_id = ? ORDER BY seq")
        .bind(kind.as_str())
        .bind(tenant.to_string())
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}

/// The relationships naming a customer tenant, oldest first.
pub async fn of_customer<T: DeserializeOwned>(c: &mut Conn, customer: TenantId) -> Result<Vec<T>> {
    let rows =
        crate::sql::query("SELECT data FROM gdap_docs WHERE kind = 'relationship' AND customer_id = ? ORDER BY seq")
            .bind(customer.to_string())
            .fetch_all(&mut *c)
            .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}

/// A sandbox's documents of a kind, oldest first, at most `limit`.
pub async fn of_sandbox<T: DeserializeOwned>(
    c: &mut Conn,
    kind: Kind,
    sandbox: SandboxId,
    limit: u32,
) -> Result<Vec<T>> {
    let rows = crate::sql::query("SELECT data FROM gdap_docs WHERE kind = ? AND sandbox_id = ? ORDER BY rowid LIMIT ?")
        .bind(kind.as_str())
        .bind(sandbox.to_string())
        .bind(i64::from(limit))
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}

/// How many documents of a kind a partner tenant has.
pub async fn count(c: &mut Conn, kind: Kind, tenant: TenantId) -> Result<usize> {
    let r = crate::sql::query("SELECT COUNT(*) AS n FROM gdap_docs WHERE kind = ? AND tenant_id = ?")
        .bind(kind.as_str())
        .bind(tenant.to_string())
        .fetch_one(&mut *c)
        .await?;
    rows::count(&r, "n")
}

/// The relationships of a sandbox with something due by `now_ms`.
pub async fn due<T: DeserializeOwned>(c: &mut Conn, sandbox: SandboxId, now_ms: i64) -> Result<Vec<T>> {
    let rows = crate::sql::query(
        "SELECT data FROM gdap_docs WHERE sandbox_id = ? AND kind = 'relationship' AND due_at IS NOT NULL \
         AND due_at <= ? ORDER BY seq",
    )
    .bind(sandbox.to_string())
    .bind(now_ms)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}

/// Removes a document.
pub async fn remove(c: &mut Conn, kind: Kind, id: &str) -> Result<()> {
    crate::sql::query("DELETE FROM gdap_docs WHERE kind = ? AND id = ?")
        .bind(kind.as_str())
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Which sandbox holds a relationship.
pub async fn sandbox_of(c: &mut Conn, id: &str) -> Result<Option<SandboxId>> {
    let row = crate::sql::query("SELECT sandbox_id FROM gdap_docs WHERE kind = 'relationship' AND id = ?")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| {
        let s: String = r.try_get("sandbox_id")?;
        s.parse().map_err(|_| crate::corrupt("sandbox_id"))
    })
    .transpose()
}

/// A sandbox's GDAP timing and faults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settings {
    /// Seconds from approval to active (and for terminations, assignments, operations).
    pub activation_delay_secs: i64,
    /// New access assignments stay pending.
    pub stuck_assignments: bool,
}

pub async fn settings(c: &mut Conn, sandbox: SandboxId) -> Result<Settings> {
    let row =
        crate::sql::query("SELECT activation_delay_secs, stuck_assignments FROM gdap_settings WHERE sandbox_id = ?")
            .bind(sandbox.to_string())
            .fetch_optional(&mut *c)
            .await?;
    Ok(match row {
        Some(r) => Settings {
            activation_delay_secs: r.try_get::<i64, _>("activation_delay_secs")?,
            stuck_assignments: r.try_get::<i64, _>("stuck_assignments")? != 0,
        },
        None => Settings::default(),
    })
}

pub async fn set_settings(c: &mut Conn, sandbox: SandboxId, s: Settings) -> Result<()> {
    crate::sql::query(
        "INSERT INTO gdap_settings (sandbox_id, activation_delay_secs, stuck_assignments) VALUES (?1, ?2, ?3) \
         ON CONFLICT(sandbox_id) DO UPDATE SET activation_delay_secs = ?2, stuck_assignments = ?3",
    )
    .bind(sandbox.to_string())
    .bind(s.activation_delay_secs)
    .bind(i64::from(s.stuck_assignments))
    .execute(&mut *c)
    .await?;
    Ok(())
}
