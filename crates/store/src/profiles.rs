//! Partner profiles: each partner's legal business profile and each tenant's edited organization
//! profile, kept as JSON documents with an etag.

use std::hash::{Hash, Hasher};

use domain::partner_id::{PartnerIdKind, PartnerIdRecord, PartnerIdStatus};
use domain::profile::OrganizationProfile;
use domain::verification::Verification;
use domain::world::Partner;
use domain::{PartnerId, SandboxId, TenantId};
use sqlx::{Row, SqlitePool};

use crate::{corrupt, map_write_err, Result, Store, Tx};

/// An etag for a stored document: changes whenever the document does.
fn etag_of(text: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    format!("W/\"{:016x}\"", h.finish())
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| corrupt(e.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(format!("{what}: {e}")))
}

fn id_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<(TenantId, PartnerIdRecord)> {
    let tid: String = r.get("tenant_id");
    let pid: String = r.get("partner_id");
    let kind: String = r.get("kind");
    let status: String = r.get("status");
    Ok((
        tid.parse().map_err(|_| corrupt(format!("tenant id {tid}")))?,
        PartnerIdRecord {
            partner_id: pid.parse().map_err(corrupt)?,
            kind: PartnerIdKind::parse(&kind).ok_or_else(|| corrupt(format!("partner id kind {kind}")))?,
            country: r.get("country"),
            status: PartnerIdStatus::parse(&status).ok_or_else(|| corrupt(format!("partner id status {status}")))?,
        },
    ))
}

/// The columns of a partner row, its partner IDs aggregated as JSON (one query per read).
const PARTNER_SELECT: &str = "SELECT p.tenant_id, p.legal_profile, p.website, p.etag, p.programs, p.verification, p.last_finalized, p.csp, p.agreements, \
     (SELECT json_group_array(json_object('partnerId', i.partner_id, 'type', i.kind, 'country', i.country, 'status', i.status)) \
      FROM (SELECT * FROM partner_ids WHERE tenant_id = p.tenant_id ORDER BY rowid) i) AS ids \
     FROM partners p";

fn partner_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<(Partner, String)> {
    let tid: String = r.get("tenant_id");
    let opt = |col: &str| -> Result<Option<Verification>> {
        r.get::<Option<String>, _>(col).map(|s| from_json(col, &s)).transpose()
    };
    Ok((
        Partner {
            tenant_id: tid.parse().map_err(|_| corrupt(format!("tenant id {tid}")))?,
            legal_business_profile: from_json("legal profile", r.get("legal_profile"))?,
            website: r.get("website"),
            partner_ids: from_json("partner ids", r.get("ids"))?,
            programs: from_json("programs", r.get("programs"))?,
            verification: opt("verification")?,
            last_finalized: opt("last_finalized")?,
            csp: r
                .get::<Option<String>, _>("csp")
                .map(|s| from_json("csp", &s))
                .transpose()?,
            agreements: from_json("agreements", r.get("agreements"))?,
        },
        r.get("etag"),
    ))
}

pub(crate) async fn partners(pool: &SqlitePool, sandbox: &str) -> Result<Vec<Partner>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{PARTNER_SELECT} JOIN tenants t ON t.id = p.tenant_id WHERE p.sandbox_id = ? ORDER BY t.seq"
    )))
    .bind(sandbox)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| partner_from_row(r).map(|(p, _)| p)).collect()
}

/// A partner read inside a write transaction (a use-case decides on the latest state).
pub async fn partner_for_update(tx: &mut Tx, tenant: TenantId) -> Result<Option<(Partner, String)>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{PARTNER_SELECT} WHERE p.tenant_id = ?")))
        .bind(tenant.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(partner_from_row).transpose()
}

/// Every partner of a sandbox inside a write transaction.
pub async fn partners_for_update(tx: &mut Tx, sandbox: SandboxId) -> Result<Vec<Partner>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{PARTNER_SELECT} WHERE p.sandbox_id = ?")))
        .bind(sandbox.to_string())
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(|r| partner_from_row(r).map(|(p, _)| p)).collect()
}

/// Writes back a partner's profile, programs, verification and partner ID statuses; returns the
/// legal profile's etag.
pub async fn save_partner(tx: &mut Tx, p: &Partner) -> Result<String> {
    let legal = to_json(&p.legal_business_profile)?;
    let etag = etag_of(&legal);
    sqlx::query(
        "UPDATE partners SET legal_profile = ?, website = ?, etag = ?, programs = ?, verification = ?, last_finalized = ?, \
         csp = ?, agreements = ? WHERE tenant_id = ?",
    )
    .bind(&legal)
    .bind(&p.website)
    .bind(&etag)
    .bind(to_json(&p.programs)?)
    .bind(p.verification.as_ref().map(to_json).transpose()?)
    .bind(p.last_finalized.as_ref().map(to_json).transpose()?)
    .bind(p.csp.as_ref().map(to_json).transpose()?)
    .bind(to_json(&p.agreements)?)
    .bind(p.tenant_id.to_string())
    .execute(&mut **tx)
    .await?;
    for id in &p.partner_ids {
        sqlx::query("UPDATE partner_ids SET status = ? WHERE tenant_id = ? AND partner_id = ?")
            .bind(id.status.as_str())
            .bind(p.tenant_id.to_string())
            .bind(id.partner_id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(etag)
}

pub async fn insert_partner(tx: &mut Tx, sandbox: SandboxId, p: &Partner) -> Result<()> {
    insert_partners(tx, sandbox, std::slice::from_ref(p)).await
}

/// Partners and their partner IDs in two statements (a scenario's world, or one registration).
pub async fn insert_partners(tx: &mut Tx, sandbox: SandboxId, partners: &[Partner]) -> Result<()> {
    if partners.is_empty() {
        return Ok(());
    }
    let sid = sandbox.to_string();
    let rows = partners
        .iter()
        .map(|p| {
            let legal = to_json(&p.legal_business_profile)?;
            Ok((
                p,
                etag_of(&legal),
                legal,
                to_json(&p.programs)?,
                p.verification.as_ref().map(to_json).transpose()?,
                p.last_finalized.as_ref().map(to_json).transpose()?,
                p.csp.as_ref().map(to_json).transpose()?,
                to_json(&p.agreements)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    for chunk in rows.chunks(100) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO partners (tenant_id, sandbox_id, legal_profile, website, etag, programs, verification, last_finalized, csp, agreements) ",
        );
        q.push_values(
            chunk,
            |mut b, (p, etag, legal, programs, verification, last, csp, agreements)| {
                b.push_bind(p.tenant_id.to_string())
                    .push_bind(&sid)
                    .push_bind(legal)
                    .push_bind(&p.website)
                    .push_bind(etag)
                    .push_bind(programs)
                    .push_bind(verification)
                    .push_bind(last)
                    .push_bind(csp)
                    .push_bind(agreements);
            },
        );
        q.build().execute(&mut **tx).await.map_err(map_write_err)?;
    }
    let ids: Vec<(&Partner, &domain::partner_id::PartnerIdRecord)> = partners
        .iter()
        .flat_map(|p| p.partner_ids.iter().map(move |id| (p, id)))
        .collect();
    for chunk in ids.chunks(100) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO partner_ids (sandbox_id, partner_id, tenant_id, kind, country, status) ",
        );
        q.push_values(chunk, |mut b, (p, id)| {
            b.push_bind(&sid)
                .push_bind(id.partner_id.to_string())
                .push_bind(p.tenant_id.to_string())
                .push_bind(id.kind.as_str())
                .push_bind(&id.country)
                .push_bind(id.status.as_str());
        });
        q.build().execute(&mut **tx).await.map_err(map_write_err)?;
    }
    Ok(())
}

/// Is this partner ID taken in the sandbox?
pub async fn partner_id_taken(tx: &mut Tx, sandbox: SandboxId, id: PartnerId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM partner_ids WHERE sandbox_id = ? AND partner_id = ?")
        .bind(sandbox.to_string())
        .bind(id.to_string())
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

/// Stores an edited organization profile; returns its etag.
pub async fn put_organization_profile(
    tx: &mut Tx,
    sandbox: SandboxId,
    tenant: TenantId,
    profile: &OrganizationProfile,
) -> Result<String> {
    let data = to_json(profile)?;
    let etag = etag_of(&data);
    sqlx::query(
        "INSERT INTO organization_profiles (tenant_id, sandbox_id, data, etag) VALUES (?, ?, ?, ?) \
         ON CONFLICT (tenant_id) DO UPDATE SET data = excluded.data, etag = excluded.etag",
    )
    .bind(tenant.to_string())
    .bind(sandbox.to_string())
    .bind(&data)
    .bind(&etag)
    .execute(&mut **tx)
    .await?;
    Ok(etag)
}

impl Store {
    /// A tenant's partner record and its etag; none when the tenant is not a registered partner.
    /// One query: this is on the hot path of `GET /v1/profiles/legalbusiness`.
    pub async fn partner(&self, tenant: TenantId) -> Result<Option<(Partner, String)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{PARTNER_SELECT} WHERE p.tenant_id = ?")))
            .bind(tenant.to_string())
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(partner_from_row).transpose()
    }

    /// A partner ID of the sandbox, with the tenant it belongs to.
    pub async fn partner_id(&self, sandbox: SandboxId, id: PartnerId) -> Result<Option<(TenantId, PartnerIdRecord)>> {
        let row = sqlx::query(
            "SELECT tenant_id, partner_id, kind, country, status FROM partner_ids WHERE sandbox_id = ? AND partner_id = ?",
        )
        .bind(sandbox.to_string())
        .bind(id.to_string())
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(id_from_row).transpose()
    }

    /// A tenant's edited organization profile and its etag, if anyone edited it.
    pub async fn organization_profile(&self, tenant: TenantId) -> Result<Option<(OrganizationProfile, String)>> {
        let row = sqlx::query("SELECT data, etag FROM organization_profiles WHERE tenant_id = ?")
            .bind(tenant.to_string())
            .fetch_optional(self.reader())
            .await?;
        row.map(|r| Ok((from_json("organization profile", r.get("data"))?, r.get("etag"))))
            .transpose()
    }
}
