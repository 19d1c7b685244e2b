//! CSP records: indirect provider relationship requests (an approved one is the relationship),
//! customers and the agreements partners attest for them, kept as JSON documents of
//! crates/domain with the columns the lists are read by.

use domain::csp::RelationshipRequest;
use domain::customer::{Customer, CustomerAgreement};
use domain::world::Partner;
use domain::{SandboxId, TenantId};

use crate::rows;
use crate::{map_write_err, Conn, Result};

pub async fn insert_request(c: &mut Conn, sandbox: SandboxId, r: &RelationshipRequest) -> Result<()> {
    crate::sql::query(
        "INSERT INTO relationship_requests (id, sandbox_id, seq, provider_tenant, reseller_tenant, state, data) \
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM relationship_requests WHERE sandbox_id = ?2), ?3, ?4, ?5, ?6)",
    )
    .bind(&r.id)
    .bind(sandbox.to_string())
    .bind(r.provider_tenant_id.to_string())
    .bind(r.reseller_tenant_id.to_string())
    .bind(r.state.as_str())
    .bind(rows::to_json(r)?)
    .execute(&mut *c)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

pub async fn update_request(c: &mut Conn, r: &RelationshipRequest) -> Result<()> {
    crate::sql::query("UPDATE relationship_requests SET state = ?, data = ? WHERE id = ?")
        .bind(r.state.as_str())
        .bind(rows::to_json(r)?)
        .bind(&r.id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// A request with its sandbox.
pub async fn request(c: &mut Conn, id: &str) -> Result<Option<(SandboxId, RelationshipRequest)>> {
    let row = crate::sql::query("SELECT sandbox_id, data FROM relationship_requests WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| Ok((rows::parse(&r, "sandbox_id")?, rows::json(&r, "data")?)))
        .transpose()
}

/// The sandbox's requests, newest first, at most `limit`.
pub async fn requests_in(c: &mut Conn, sandbox: SandboxId, limit: u32) -> Result<Vec<RelationshipRequest>> {
    let rows =
        crate::sql::query("SELECT data FROM relationship_requests WHERE sandbox_id = ? ORDER BY seq DESC LIMIT ?")
            .bind(sandbox.to_string())
            .bind(i64::from(limit))
            .fetch_all(&mut *c)
            .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}

/// Every request between a provider and a reseller, oldest first.
pub async fn requests_between(
    c: &mut Conn,
    provider: TenantId,
    reseller: TenantId,
) -> Result<Vec<RelationshipRequest>> {
    let rows = crate::sql::query(
        "SELECT data FROM relationship_requests WHERE provider_tenant = ? AND reseller_tenant = ? ORDER BY seq",
    )
    .bind(provider.to_string())
    .bind(reseller.to_string())
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}

/// Every request addressed to a reseller, oldest first.
pub async fn requests_to(c: &mut Conn, reseller: TenantId) -> Result<Vec<RelationshipRequest>> {
    let rows = crate::sql::query("SELECT data FROM relationship_requests WHERE reseller_tenant = ? ORDER BY seq")
        .bind(reseller.to_string())
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}

/// Which side of a relationship a partner reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The partner is the indirect provider: its resellers.
    Provider,
    /// The partner is the indirect reseller: its providers.
    Reseller,
}

/// Approved relationships of a partner on one side, with the partner on the other side: two
/// queries, whatever the number of relationships.
pub async fn relationships(c: &mut Conn, tenant: TenantId, side: Side) -> Result<Vec<(RelationshipRequest, Partner)>> {
    let sql = match side {
        Side::Provider => {
            "SELECT data, reseller_tenant AS other FROM relationship_requests WHERE provider_tenant = ? AND state = 'approved' ORDER BY seq"
        }
        Side::Reseller => {
            "SELECT data, provider_tenant AS other FROM relationship_requests WHERE reseller_tenant = ? AND state = 'approved' ORDER BY seq"
        }
    };
    let rows = crate::sql::query(sql)
        .bind(tenant.to_string())
        .fetch_all(&mut *c)
        .await?;
    let mut requests = Vec::with_capacity(rows.len());
    for r in &rows {
        requests.push((
            rows::json::<RelationshipRequest>(r, "data")?,
            rows::parse::<TenantId>(r, "other")?,
        ));
    }
    let others: Vec<TenantId> = requests.iter().map(|(_, t)| *t).collect();
    let partners = crate::profiles::partners_of(c, &others).await?;
    Ok(requests
        .into_iter()
        .filter_map(|(req, other)| partners.iter().find(|p| p.tenant_id == other).map(|p| (req, p.clone())))
        .collect())
}

pub async fn insert_customer(c: &mut Conn, sandbox: SandboxId, cu: &Customer) -> Result<()> {
    crate::sql::query(
        "INSERT INTO customers (id, sandbox_id, seq, partner_tenant, associated_partner, domain, data) \
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customers WHERE sandbox_id = ?2), ?3, ?4, ?5, ?6)",
    )
    .bind(cu.id.to_string())
    .bind(sandbox.to_string())
    .bind(cu.partner_tenant_id.to_string())
    .bind(cu.associated_partner_id.map(|t| t.to_string()))
    .bind(&cu.domain)
    .bind(rows::to_json(cu)?)
    .execute(&mut *c)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

/// How many customers a sandbox has (for its limit).
pub async fn customer_count(c: &mut Conn, sandbox: SandboxId) -> Result<usize> {
    let r = crate::sql::query("SELECT COUNT(*) AS n FROM customers WHERE sandbox_id = ?")
        .bind(sandbox.to_string())
        .fetch_one(&mut *c)
        .await?;
    rows::count(&r, "n")
}

pub async fn customer_domain_taken(c: &mut Conn, sandbox: SandboxId, domain: &str) -> Result<bool> {
    let n: i64 = crate::sql::query_scalar("SELECT COUNT(*) FROM customers WHERE sandbox_id = ? AND domain = ?")
        .bind(sandbox.to_string())
        .bind(domain)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0 || crate::world::domain_taken(c, sandbox, domain).await?)
}

/// Customers a partner created or that were created for it (as indirect reseller), oldest first.
pub async fn customers_of(c: &mut Conn, tenant: TenantId) -> Result<Vec<Customer>> {
    let rows = crate::sql::query(
        "SELECT data FROM customers WHERE partner_tenant = ?1 OR associated_partner = ?1 ORDER BY seq",
    )
    .bind(tenant.to_string())
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}

pub async fn customer(c: &mut Conn, id: TenantId) -> Result<Option<Customer>> {
    let row = crate::sql::query("SELECT data FROM customers WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| rows::json(&r, "data")).transpose()
}

pub async fn customer_agreements(c: &mut Conn, customer: TenantId) -> Result<Vec<CustomerAgreement>> {
    let rows = crate::sql::query("SELECT data FROM customer_agreements WHERE customer_id = ? ORDER BY seq")
        .bind(customer.to_string())
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}

pub async fn insert_customer_agreement(
    c: &mut Conn,
    sandbox: SandboxId,
    customer: TenantId,
    a: &CustomerAgreement,
) -> Result<()> {
    crate::sql::query(
        "INSERT INTO customer_agreements (customer_id, sandbox_id, seq, data) \
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customer_agreements WHERE customer_id = ?1), ?3)",
    )
    .bind(customer.to_string())
    .bind(sandbox.to_string())
    .bind(rows::to_json(a)?)
    .execute(&mut *c)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

/// Rewrites a customer's document (its id, partner, reseller and domain never change).
pub async fn update_customer(c: &mut Conn, cu: &Customer) -> Result<()> {
    crate::sql::query("UPDATE customers SET data = ? WHERE id = ?")
        .bind(rows::to_json(cu)?)
        .bind(cu.id.to_string())
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Deletes a customer with its agreements, carts, orders and subscriptions; whether there was one.
pub async fn delete_customer(c: &mut Conn, id: TenantId) -> Result<bool> {
    for sql in [
        "DELETE FROM customer_agreements WHERE customer_id = ?",
        "DELETE FROM commerce_docs WHERE customer_id = ?",
    ] {
        crate::sql::query(sql).bind(id.to_string()).execute(&mut *c).await?;
    }
    let r = crate::sql::query("DELETE FROM customers WHERE id = ?")
        .bind(id.to_string())
        .execute(&mut *c)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// A sandbox's customers, oldest first, at most `limit`.
pub async fn customers_in(c: &mut Conn, sandbox: SandboxId, limit: u32) -> Result<Vec<Customer>> {
    let rows = crate::sql::query("SELECT data FROM customers WHERE sandbox_id = ? ORDER BY seq LIMIT ?")
        .bind(sandbox.to_string())
        .bind(i64::from(limit))
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}

/// The sandbox a customer belongs to.
pub async fn customer_sandbox(c: &mut Conn, id: TenantId) -> Result<Option<SandboxId>> {
    let row = crate::sql::query("SELECT sandbox_id FROM customers WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| rows::parse(&r, "sandbox_id")).transpose()
}
