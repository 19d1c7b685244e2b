//! Onboarding records: the sandbox's mock public registry, its mailbox and the email-ownership
//! links it sent.

use chrono::{DateTime, Utc};
use domain::mail::Mail;
use domain::profile::Address;
use domain::registry::RegistryEntry;
use domain::{SandboxId, TenantId};
use serde::Serialize;
use sqlx::Row;

use crate::{corrupt, map_write_err, Result, Store, Tx};

/// A message in the mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredMail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub links: Vec<String>,
    pub sent_at: DateTime<Utc>,
}

pub async fn insert_registry_entry(tx: &mut Tx, sandbox: SandboxId, e: &RegistryEntry) -> Result<()> {
    let address = serde_json::to_string(&e.address).map_err(|e| corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO registry (sandbox_id, seq, company_name, address, registration_number) \
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM registry WHERE sandbox_id = ?1), ?2, ?3, ?4)",
    )
    .bind(sandbox.to_string())
    .bind(&e.company_name)
    .bind(address)
    .bind(&e.registration_number)
    .execute(&mut **tx)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

fn registry_from_rows(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<RegistryEntry>> {
    rows.iter()
        .map(|r| {
            let address: String = r.get("address");
            Ok(RegistryEntry {
                company_name: r.get("company_name"),
                address: serde_json::from_str::<Address>(&address)
                    .map_err(|e| corrupt(format!("registry address: {e}")))?,
                registration_number: r.get("registration_number"),
            })
        })
        .collect()
}

const REGISTRY_SELECT: &str =
    "SELECT company_name, address, registration_number FROM registry WHERE sandbox_id = ? ORDER BY seq";

/// The registry as a write transaction sees it.
pub async fn registry_for_update(tx: &mut Tx, sandbox: SandboxId) -> Result<Vec<RegistryEntry>> {
    let rows = sqlx::query(REGISTRY_SELECT)
        .bind(sandbox.to_string())
        .fetch_all(&mut **tx)
        .await?;
    registry_from_rows(&rows)
}

pub async fn insert_mail(tx: &mut Tx, sandbox: SandboxId, id: &str, m: &Mail, sent_at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO mailbox (id, sandbox_id, seq, to_addr, subject, body, links, sent_at) \
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM mailbox WHERE sandbox_id = ?2), ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(id)
    .bind(sandbox.to_string())
    .bind(&m.to)
    .bind(&m.subject)
    .bind(&m.body)
    .bind(serde_json::to_string(&m.links).map_err(|e| corrupt(e.to_string()))?)
    .bind(sent_at.to_rfc3339())
    .execute(&mut **tx)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

/// Records an email-ownership link sent to a partner's contact.
pub async fn insert_link(tx: &mut Tx, sandbox: SandboxId, tenant: TenantId, token: &str) -> Result<()> {
    sqlx::query("INSERT INTO verification_links (token, sandbox_id, tenant_id) VALUES (?, ?, ?)")
        .bind(token)
        .bind(sandbox.to_string())
        .bind(tenant.to_string())
        .execute(&mut **tx)
        .await
        .map_err(map_write_err)?;
    Ok(())
}

impl Store {
    pub async fn registry(&self, sandbox: SandboxId) -> Result<Vec<RegistryEntry>> {
        let rows = sqlx::query(REGISTRY_SELECT)
            .bind(sandbox.to_string())
            .fetch_all(self.reader())
            .await?;
        registry_from_rows(&rows)
    }

    /// The mailbox, newest first; `to` picks one recipient (case-insensitive).
    pub async fn mailbox(&self, sandbox: SandboxId, to: Option<&str>) -> Result<Vec<StoredMail>> {
        let rows = sqlx::query(
            "SELECT id, to_addr, subject, body, links, sent_at FROM mailbox \
             WHERE sandbox_id = ? AND (? IS NULL OR lower(to_addr) = lower(?)) ORDER BY seq DESC",
        )
        .bind(sandbox.to_string())
        .bind(to)
        .bind(to)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let links: String = r.get("links");
                let sent: String = r.get("sent_at");
                Ok(StoredMail {
                    id: r.get("id"),
                    to: r.get("to_addr"),
                    subject: r.get("subject"),
                    body: r.get("body"),
                    links: serde_json::from_str(&links).map_err(|e| corrupt(format!("mail links: {e}")))?,
                    sent_at: DateTime::parse_from_rfc3339(&sent)
                        .map_err(|_| corrupt(format!("sent_at {sent}")))?
                        .with_timezone(&Utc),
                })
            })
            .collect()
    }

    /// Whose email-ownership link this is.
    pub async fn link_owner(&self, token: &str) -> Result<Option<(SandboxId, TenantId)>> {
        let row = sqlx::query("SELECT sandbox_id, tenant_id FROM verification_links WHERE token = ?")
            .bind(token)
            .fetch_optional(self.reader())
            .await?;
        row.map(|r| {
            let s: String = r.get("sandbox_id");
            let t: String = r.get("tenant_id");
            Ok((
                s.parse().map_err(|_| corrupt(format!("sandbox id {s}")))?,
                t.parse().map_err(|_| corrupt(format!("tenant id {t}")))?,
            ))
        })
        .transpose()
    }
}
