//! Webhook registrations (one per partner tenant) and deliveries (a bounded journal per sandbox).

use domain::webhooks::{Delivery, Registration};
use domain::{SandboxId, TenantId};

use crate::rows;
use crate::{Conn, Result};

pub async fn registration(c: &mut Conn, tenant: TenantId) -> Result<Option<Registration>> {
    let row = crate::sql::query("SELECT data FROM webhook_registrations WHERE tenant_id = ?")
        .bind(tenant.to_string())
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| rows::json(&r, "data")).transpose()
}

pub async fn put_registration(c: &mut Conn, sandbox: SandboxId, tenant: TenantId, r: &Registration) -> Result<()> {
    crate::sql::query(
        "INSERT INTO webhook_registrations (tenant_id, sandbox_id, data) VALUES (?, ?, ?) \
         ON CONFLICT(tenant_id) DO UPDATE SET data = excluded.data",
    )
    .bind(tenant.to_string())
    .bind(sandbox.to_string())
    .bind(rows::to_json(r)?)
    .execute(&mut *c)
    .await?;
    Ok(())
}

pub async fn delete_registration(c: &mut Conn, tenant: TenantId) -> Result<bool> {
    let r = crate::sql::query("DELETE FROM webhook_registrations WHERE tenant_id = ?")
        .bind(tenant.to_string())
        .execute(&mut *c)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// Adds a delivery, leased to its sender until `lease_until_ms` (wall clock), dropping the
/// sandbox's oldest past `keep`.
pub async fn insert_delivery(
    c: &mut Conn,
    sandbox: SandboxId,
    d: &Delivery,
    keep: usize,
    lease_until_ms: i64,
) -> Result<()> {
    crate::sql::query(
        "INSERT INTO webhook_deliveries (id, sandbox_id, seq, tenant_id, data, lease_until_ms) VALUES (?1, ?2, \
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM webhook_deliveries WHERE sandbox_id = ?2), ?3, ?4, ?5)",
    )
    .bind(&d.id)
    .bind(sandbox.to_string())
    .bind(d.tenant_id.to_string())
    .bind(rows::to_json(d)?)
    .bind(lease_until_ms)
    .execute(&mut *c)
    .await?;
    crate::sql::query(
        "DELETE FROM webhook_deliveries WHERE sandbox_id = ?1 AND seq <= \
         (SELECT MAX(seq) FROM webhook_deliveries WHERE sandbox_id = ?1) - ?2",
    )
    .bind(sandbox.to_string())
    .bind(keep as i64)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Records a delivery's progress: still leased until `lease_until_ms` while attempts remain,
/// or over (`None`).
pub async fn update_delivery(c: &mut Conn, d: &Delivery, lease_until_ms: Option<i64>) -> Result<()> {
    crate::sql::query("UPDATE webhook_deliveries SET data = ?, lease_until_ms = ? WHERE id = ?")
        .bind(rows::to_json(d)?)
        .bind(lease_until_ms)
        .bind(&d.id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Claims up to `limit` deliveries whose sender's lease ran out by `now_ms` (the process died
/// mid-delivery): they are leased to the caller until `lease_until_ms`. Run in a write
/// transaction, so that of several replicas exactly one claims each.
pub async fn claim_abandoned(
    c: &mut Conn,
    now_ms: i64,
    lease_until_ms: i64,
    limit: usize,
) -> Result<Vec<(SandboxId, Delivery)>> {
    let rows = crate::sql::query(
        "SELECT id, sandbox_id, data FROM webhook_deliveries WHERE lease_until_ms IS NOT NULL \
         AND lease_until_ms < ? ORDER BY lease_until_ms LIMIT ?",
    )
    .bind(now_ms)
    .bind(limit as i64)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = rows::get(r, "id")?;
        crate::sql::query("UPDATE webhook_deliveries SET lease_until_ms = ? WHERE id = ?")
            .bind(lease_until_ms)
            .bind(&id)
            .execute(&mut *c)
            .await?;
        out.push((rows::parse(r, "sandbox_id")?, rows::json(r, "data")?));
    }
    Ok(out)
}

pub async fn delivery(c: &mut Conn, id: &str) -> Result<Option<(SandboxId, Delivery)>> {
    let row = crate::sql::query("SELECT sandbox_id, data FROM webhook_deliveries WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| Ok((rows::parse(&r, "sandbox_id")?, rows::json(&r, "data")?)))
        .transpose()
}

/// A sandbox's newest deliveries first, at most `limit`.
pub async fn deliveries(c: &mut Conn, sandbox: SandboxId, limit: usize) -> Result<Vec<Delivery>> {
    let rows = crate::sql::query("SELECT data FROM webhook_deliveries WHERE sandbox_id = ? ORDER BY seq DESC LIMIT ?")
        .bind(sandbox.to_string())
        .bind(limit as i64)
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}
