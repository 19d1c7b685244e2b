//! Onboarding records: the sandbox's mock public registry, its mailbox and the email-ownership
//! links it sent.

use chrono::{DateTime, Utc};
use domain::mail::Mail;
use domain::registry::RegistryEntry;
use domain::{SandboxId, TenantId};
use serde::Serialize;
use sqlx::any::AnyRow;

use crate::rows::{self, get};
use crate::{map_write_err, Conn, Result};

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

/// Registry entries after the sandbox's last one, in one statement.
pub async fn insert_registry(c: &mut Conn, sandbox: SandboxId, entries: &[RegistryEntry]) -> Result<()> {
    let sid = sandbox.to_string();
    for chunk in entries.chunks(200) {
        let rows = chunk
            .iter()
            .map(|e| Ok((e, rows::to_json(&e.address)?)))
            .collect::<Result<Vec<_>>>()?;
        let mut q = sqlx::QueryBuilder::<sqlx::Any>::new(
            "INSERT INTO registry (sandbox_id, seq, company_name, address, registration_number) ",
        );
        q.push_values(rows.iter().enumerate(), |mut b, (i, (e, address))| {
            b.push_bind(sid.clone())
                .push("(SELECT COALESCE(MAX(seq), 0) FROM registry WHERE sandbox_id = ")
                .push_bind_unseparated(sid.clone())
                .push_unseparated(format!(") + {}", i + 1))
                .push_bind(e.company_name.clone())
                .push_bind(address.clone())
                .push_bind(e.registration_number.clone());
        });
        crate::sql::built(&mut q)?
            .execute(&mut *c)
            .await
            .map_err(map_write_err)?;
    }
    Ok(())
}

/// The registry, in the order entries were added.
pub async fn registry(c: &mut Conn, sandbox: SandboxId) -> Result<Vec<RegistryEntry>> {
    Ok(registries(c, &[sandbox]).await?.into_iter().map(|(_, e)| e).collect())
}

/// The registries of several sandboxes, each entry with its sandbox.
pub async fn registries(c: &mut Conn, sandboxes: &[SandboxId]) -> Result<Vec<(SandboxId, RegistryEntry)>> {
    let ids: Vec<String> = sandboxes.iter().map(ToString::to_string).collect();
    let rows = crate::sql::query(
        "SELECT sandbox_id, company_name, address, registration_number FROM registry \
         WHERE sandbox_id IN (SELECT value FROM json_each(?)) ORDER BY seq",
    )
    .bind(rows::to_json(&ids)?)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                rows::parse(r, "sandbox_id")?,
                RegistryEntry {
                    company_name: get(r, "company_name")?,
                    address: rows::json(r, "address")?,
                    registration_number: get(r, "registration_number")?,
                },
            ))
        })
        .collect()
}

pub async fn registry_count(c: &mut Conn, sandbox: SandboxId) -> Result<usize> {
    let r = crate::sql::query("SELECT COUNT(*) AS n FROM registry WHERE sandbox_id = ?")
        .bind(sandbox.to_string())
        .fetch_one(&mut *c)
        .await?;
    rows::count(&r, "n")
}

/// Files a message; the mailbox keeps its newest `keep` messages.
pub async fn insert_mail(
    c: &mut Conn,
    sandbox: SandboxId,
    id: &str,
    m: &Mail,
    sent_at: DateTime<Utc>,
    keep: usize,
) -> Result<()> {
    let sid = sandbox.to_string();
    crate::sql::query(
        "INSERT INTO mailbox (id, sandbox_id, seq, to_addr, subject, body, links, sent_at) \
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM mailbox WHERE sandbox_id = ?2), ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(id)
    .bind(&sid)
    .bind(&m.to)
    .bind(&m.subject)
    .bind(&m.body)
    .bind(rows::to_json(&m.links)?)
    .bind(sent_at.to_rfc3339())
    .execute(&mut *c)
    .await
    .map_err(map_write_err)?;
    crate::sql::query(
        "DELETE FROM mailbox WHERE sandbox_id = ?1 AND seq <= \
         (SELECT seq FROM mailbox WHERE sandbox_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
    )
    .bind(&sid)
    .bind(i64::try_from(keep).unwrap_or(i64::MAX))
    .execute(&mut *c)
    .await?;
    Ok(())
}

fn mail_from_row(r: &AnyRow) -> Result<StoredMail> {
    Ok(StoredMail {
        id: get(r, "id")?,
        to: get(r, "to_addr")?,
        subject: get(r, "subject")?,
        body: get(r, "body")?,
        links: rows::json(r, "links")?,
        sent_at: rows::time(r, "sent_at")?,
    })
}

/// One page of the mailbox, newest first, from before position `before` (a continuation); `to`
/// picks one recipient (case-insensitive). Returns the position to continue from, if any.
pub async fn mailbox(
    c: &mut Conn,
    sandbox: SandboxId,
    to: Option<&str>,
    before: Option<i64>,
    limit: usize,
) -> Result<(Vec<StoredMail>, Option<i64>)> {
    let rows = crate::sql::query(
        "SELECT seq, id, to_addr, subject, body, links, sent_at FROM mailbox \
         WHERE sandbox_id = ?1 AND (?2 IS NULL OR lower(to_addr) = lower(?2)) AND seq < ?3 ORDER BY seq DESC LIMIT ?4",
    )
    .bind(sandbox.to_string())
    .bind(to)
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
    .fetch_all(&mut *c)
    .await?;
    let more = rows.len() > limit;
    let mut out = Vec::with_capacity(rows.len().min(limit));
    let mut last = None;
    for r in rows.iter().take(limit) {
        out.push(mail_from_row(r)?);
        last = Some(get::<i64>(r, "seq")?);
    }
    Ok((out, if more { last } else { None }))
}

/// Records an email-ownership link sent to a partner's contact.
pub async fn insert_link(c: &mut Conn, sandbox: SandboxId, tenant: TenantId, token: &str) -> Result<()> {
    crate::sql::query("INSERT INTO verification_links (token, sandbox_id, tenant_id) VALUES (?, ?, ?)")
        .bind(token)
        .bind(sandbox.to_string())
        .bind(tenant.to_string())
        .execute(&mut *c)
        .await
        .map_err(map_write_err)?;
    Ok(())
}

/// Whose email-ownership link this is.
pub async fn link_owner(c: &mut Conn, token: &str) -> Result<Option<(SandboxId, TenantId)>> {
    let row = crate::sql::query("SELECT sandbox_id, tenant_id FROM verification_links WHERE token = ?")
        .bind(token)
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| Ok((rows::parse(&r, "sandbox_id")?, rows::parse(&r, "tenant_id")?)))
        .transpose()
}
