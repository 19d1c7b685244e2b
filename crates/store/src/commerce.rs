//! A customer's carts, orders and subscriptions: JSON documents by kind and id.

use domain::{SandboxId, TenantId};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::rows;
use crate::{map_write_err, Conn, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cart,
    Order,
    Subscription,
    /// A customer user's profile beyond the directory (usage location, names, licences).
    User,
    /// An application's consent in a customer's tenant, by `{customer}:{app}`.
    Consent,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Cart => "cart",
            Kind::Order => "order",
            Kind::Subscription => "subscription",
            Kind::User => "user",
            Kind::Consent => "consent",
        }
    }
}

/// Adds a document (its id must be new).
pub async fn insert<T: Serialize>(
    c: &mut Conn,
    kind: Kind,
    id: &str,
    sandbox: SandboxId,
    customer: TenantId,
    doc: &T,
) -> Result<()> {
    crate::sql::query(
        "INSERT INTO commerce_docs (kind, id, sandbox_id, customer_id, seq, data) VALUES (?1, ?2, ?3, ?4, \
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM commerce_docs WHERE customer_id = ?4 AND kind = ?1), ?5)",
    )
    .bind(kind.as_str())
    .bind(id)
    .bind(sandbox.to_string())
    .bind(customer.to_string())
    .bind(rows::to_json(doc)?)
    .execute(&mut *c)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

/// Replaces a document.
pub async fn update<T: Serialize>(c: &mut Conn, kind: Kind, id: &str, doc: &T) -> Result<()> {
    crate::sql::query("UPDATE commerce_docs SET data = ? WHERE kind = ? AND id = ?")
        .bind(rows::to_json(doc)?)
        .bind(kind.as_str())
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// A customer's document by id.
pub async fn get<T: DeserializeOwned>(c: &mut Conn, kind: Kind, customer: TenantId, id: &str) -> Result<Option<T>> {
    let row = crate::sql::query("SELECT data FROM commerce_docs WHERE kind = ? AND id = ? AND customer_id = ?")
        .bind(kind.as_str())
        .bind(id)
        .bind(customer.to_string())
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| rows::json(&r, "data")).transpose()
}

/// A customer's documents of a kind, oldest first.
pub async fn list<T: DeserializeOwned>(c: &mut Conn, kind: Kind, customer: TenantId) -> Result<Vec<T>> {
    let rows = crate::sql::query("SELECT data FROM commerce_docs WHERE kind = ? AND customer_id = ? ORDER BY seq")
        .bind(kind.as_str())
        .bind(customer.to_string())
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(|r| rows::json(r, "data")).collect()
}

/// How many documents of a kind a customer has.
pub async fn count(c: &mut Conn, kind: Kind, customer: TenantId) -> Result<usize> {
    let r = crate::sql::query("SELECT COUNT(*) AS n FROM commerce_docs WHERE kind = ? AND customer_id = ?")
        .bind(kind.as_str())
        .bind(customer.to_string())
        .fetch_one(&mut *c)
        .await?;
    rows::count(&r, "n")
}

/// Removes a customer's document.
pub async fn remove(c: &mut Conn, kind: Kind, id: &str) -> Result<()> {
    crate::sql::query("DELETE FROM commerce_docs WHERE kind = ? AND id = ?")
        .bind(kind.as_str())
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}
