//! CSP records: indirect provider relationship requests (an approved one is the relationship),
//! customers and the agreements partners attest for them, kept as JSON documents of
//! crates/domain with the columns the lists are read by.

use domain::csp::RelationshipRequest;
use domain::customer::{Customer, CustomerAgreement};
use domain::world::Partner;
use domain::{PartnerId, SandboxId, TenantId};
use sqlx::Row;

use crate::profiles::{from_json, to_json};
use crate::{map_write_err, Result, Store, Tx};

fn requests_from(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<RelationshipRequest>> {
    rows.iter()
        .map(|r| from_json("relationship request", r.get("data")))
        .collect()
}

pub async fn insert_request(tx: &mut Tx, sandbox: SandboxId, r: &RelationshipRequest) -> Result<()> {
    sqlx::query(
        "INSERT INTO relationship_requests (id, sandbox_id, seq, provider_tenant, reseller_tenant, state, data) \
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM relationship_requests WHERE sandbox_id = ?2), ?3, ?4, ?5, ?6)",
    )
    .bind(&r.id)
    .bind(sandbox.to_string())
    .bind(r.provider_tenant_id.to_string())
    .bind(r.reseller_tenant_id.to_string())
    .bind(r.state.as_str())
    .bind(to_json(r)?)
    .execute(&mut **tx)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

pub async fn update_request(tx: &mut Tx, r: &RelationshipRequest) -> Result<()> {
    sqlx::query("UPDATE relationship_requests SET state = ?, data = ? WHERE id = ?")
        .bind(r.state.as_str())
        .bind(to_json(r)?)
        .bind(&r.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A request read in the write transaction, with its sandbox.
pub async fn request_for_update(tx: &mut Tx, id: &str) -> Result<Option<(SandboxId, RelationshipRequest)>> {
    let row = sqlx::query("SELECT sandbox_id, data FROM relationship_requests WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| {
        let sid: String = r.get("sandbox_id");
        Ok((
            sid.parse().map_err(|_| crate::corrupt(format!("sandbox id {sid}")))?,
            from_json("relationship request", r.get("data"))?,
        ))
    })
    .transpose()
}

/// Every request between a provider and a reseller, oldest first.
pub async fn requests_between(tx: &mut Tx, provider: TenantId, reseller: TenantId) -> Result<Vec<RelationshipRequest>> {
    let rows = sqlx::query(
        "SELECT data FROM relationship_requests WHERE provider_tenant = ? AND reseller_tenant = ? ORDER BY seq",
    )
    .bind(provider.to_string())
    .bind(reseller.to_string())
    .fetch_all(&mut **tx)
    .await?;
    requests_from(&rows)
}

/// The tenant of the CSP account associated with a partner ID.
const RESELLER_WITH_ID: &str =
    "SELECT tenant_id FROM partners WHERE sandbox_id = ? AND json_extract(csp, '$.partnerId') = ?";

/// The CSP indirect reseller account associated with a partner ID, if any.
pub async fn reseller_with_id(tx: &mut Tx, sandbox: SandboxId, id: PartnerId) -> Result<Option<TenantId>> {
    let t: Option<String> = sqlx::query_scalar(RESELLER_WITH_ID)
        .bind(sandbox.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    t.map(|t| t.parse().map_err(|_| crate::corrupt(format!("tenant id {t}"))))
        .transpose()
}

pub async fn insert_customer(tx: &mut Tx, sandbox: SandboxId, c: &Customer) -> Result<()> {
    sqlx::query(
        "INSERT INTO customers (id, sandbox_id, seq, partner_tenant, associated_partner, domain, data) \
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customers WHERE sandbox_id = ?2), ?3, ?4, ?5, ?6)",
    )
    .bind(c.id.to_string())
    .bind(sandbox.to_string())
    .bind(c.partner_tenant_id.to_string())
    .bind(c.associated_partner_id.map(|t| t.to_string()))
    .bind(&c.domain)
    .bind(to_json(c)?)
    .execute(&mut **tx)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

/// The customer is still there (read in the write transaction).
pub async fn customer_exists(tx: &mut Tx, id: TenantId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers WHERE id = ?")
        .bind(id.to_string())
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

pub async fn customer_domain_taken(tx: &mut Tx, sandbox: SandboxId, domain: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers WHERE sandbox_id = ? AND domain = ?")
        .bind(sandbox.to_string())
        .bind(domain)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0 || crate::world::domain_taken(tx, sandbox, domain).await?)
}

pub async fn customer_agreements_for_update(tx: &mut Tx, customer: TenantId) -> Result<Vec<CustomerAgreement>> {
    let rows = sqlx::query("SELECT data FROM customer_agreements WHERE customer_id = ? ORDER BY seq")
        .bind(customer.to_string())
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| from_json("customer agreement", r.get("data")))
        .collect()
}

pub async fn insert_customer_agreement(
    tx: &mut Tx,
    sandbox: SandboxId,
    customer: TenantId,
    a: &CustomerAgreement,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO customer_agreements (customer_id, sandbox_id, seq, data) \
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customer_agreements WHERE customer_id = ?1), ?3)",
    )
    .bind(customer.to_string())
    .bind(sandbox.to_string())
    .bind(to_json(a)?)
    .execute(&mut **tx)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

/// Which side of a relationship a partner reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The partner is the indirect provider: its resellers.
    Provider,
    /// The partner is the indirect reseller: its providers.
    Reseller,
}

impl Store {
    pub async fn relationship_request(&self, id: &str) -> Result<Option<RelationshipRequest>> {
        let row = sqlx::query("SELECT data FROM relationship_requests WHERE id = ?")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.map(|r| from_json("relationship request", r.get("data")))
            .transpose()
    }

    /// Approved relationships of a partner on one side, with the partner on the other side.
    pub async fn relationships(&self, tenant: TenantId, side: Side) -> Result<Vec<(RelationshipRequest, Partner)>> {
        let (mine, other) = match side {
            Side::Provider => ("provider_tenant", "reseller_tenant"),
            Side::Reseller => ("reseller_tenant", "provider_tenant"),
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT data, {other} AS other FROM relationship_requests WHERE {mine} = ? AND state = 'approved' ORDER BY seq"
        )))
        .bind(tenant.to_string())
        .fetch_all(self.reader())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let other: String = r.get("other");
            let other: TenantId = other
                .parse()
                .map_err(|_| crate::corrupt(format!("tenant id {other}")))?;
            if let Some((p, _)) = self.partner(other).await? {
                out.push((from_json("relationship request", r.get("data"))?, p));
            }
        }
        Ok(out)
    }

    /// Customers a partner created or that were created for it (as indirect reseller), oldest first.
    pub async fn customers_of(&self, tenant: TenantId) -> Result<Vec<Customer>> {
        let rows =
            sqlx::query("SELECT data FROM customers WHERE partner_tenant = ?1 OR associated_partner = ?1 ORDER BY seq")
                .bind(tenant.to_string())
                .fetch_all(self.reader())
                .await?;
        rows.iter().map(|r| from_json("customer", r.get("data"))).collect()
    }

    pub async fn customer(&self, id: TenantId) -> Result<Option<Customer>> {
        let row = sqlx::query("SELECT data FROM customers WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(self.reader())
            .await?;
        row.map(|r| from_json("customer", r.get("data"))).transpose()
    }

    pub async fn customer_agreements(&self, customer: TenantId) -> Result<Vec<CustomerAgreement>> {
        let rows = sqlx::query("SELECT data FROM customer_agreements WHERE customer_id = ? ORDER BY seq")
            .bind(customer.to_string())
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| from_json("customer agreement", r.get("data")))
            .collect()
    }

    /// The CSP indirect reseller account associated with a partner ID (read side).
    pub async fn reseller_with_id(&self, sandbox: SandboxId, id: PartnerId) -> Result<Option<Partner>> {
        let t: Option<String> = sqlx::query_scalar(RESELLER_WITH_ID)
            .bind(sandbox.to_string())
            .bind(id.to_string())
            .fetch_optional(self.reader())
            .await?;
        match t {
            None => Ok(None),
            Some(t) => {
                let t: TenantId = t.parse().map_err(|_| crate::corrupt(format!("tenant id {t}")))?;
                Ok(self.partner(t).await?.map(|(p, _)| p))
            }
        }
    }
}
