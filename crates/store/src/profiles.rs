//! Partners: each partner's legal business profile, programs, verification, CSP account and
//! partner IDs, and each tenant's edited organization profile, kept as JSON documents with an etag.

use domain::partner_id::{PartnerIdKind, PartnerIdRecord, PartnerIdStatus};
use domain::profile::OrganizationProfile;
use domain::world::Partner;
use domain::{PartnerId, SandboxId, TenantId};
use sqlx::any::AnyRow;

use crate::rows::{self, get};
use crate::{corrupt, map_write_err, Conn, Result};

/// An etag for a stored document: changes whenever the document does.
pub fn etag_of(text: &str) -> String {
    domain::etag::of_text(text)
}

fn id_from_row(r: &AnyRow) -> Result<(TenantId, PartnerIdRecord)> {
    let kind: String = get(r, "kind")?;
    let status: String = get(r, "status")?;
    Ok((
        rows::parse(r, "tenant_id")?,
        PartnerIdRecord {
            partner_id: rows::parse(r, "partner_id")?,
            kind: PartnerIdKind::parse(&kind).ok_or_else(|| corrupt(format!("partner id kind {kind}")))?,
            country: get(r, "country")?,
            status: PartnerIdStatus::parse(&status).ok_or_else(|| corrupt(format!("partner id status {status}")))?,
        },
    ))
}

/// The columns of a partner row, its partner IDs aggregated as JSON (one query per read).
const PARTNER_SELECT: &str = "SELECT p.tenant_id, p.sandbox_id, p.legal_profile, p.website, p.etag, p.programs, p.verification, p.last_finalized, p.csp, p.agreements, \
     (SELECT json_group_array(json_object('partnerId', i.partner_id, 'type', i.kind, 'country', i.country, 'status', i.status)) \
      FROM (SELECT * FROM partner_ids WHERE tenant_id = p.tenant_id ORDER BY rowid) i) AS ids \
     FROM partners p";

fn partner_from_row(r: &AnyRow) -> Result<(Partner, String)> {
    Ok((
        Partner {
            tenant_id: rows::parse(r, "tenant_id")?,
            legal_business_profile: rows::json(r, "legal_profile")?,
            website: get(r, "website")?,
            partner_ids: rows::json(r, "ids")?,
            programs: rows::json(r, "programs")?,
            verification: rows::json_opt(r, "verification")?,
            last_finalized: rows::json_opt(r, "last_finalized")?,
            csp: rows::json_opt(r, "csp")?,
            agreements: rows::json(r, "agreements")?,
        },
        get(r, "etag")?,
    ))
}

async fn select(c: &mut Conn, condition: &str, binds: &[&str]) -> Result<Vec<(Partner, String)>> {
    let mut q = crate::sql::query(sqlx::AssertSqlSafe(format!("{PARTNER_SELECT} {condition}")));
    for b in binds {
        q = q.bind(b.to_string());
    }
    q.fetch_all(&mut *c).await?.iter().map(partner_from_row).collect()
}

/// Every partner of a sandbox, in tenant order.
pub async fn partners(c: &mut Conn, sandbox: SandboxId) -> Result<Vec<Partner>> {
    Ok(partners_in(c, &[sandbox]).await?.into_iter().map(|(_, p)| p).collect())
}

/// Every partner of several sandboxes, each with its sandbox, in tenant order.
pub async fn partners_in(c: &mut Conn, sandboxes: &[SandboxId]) -> Result<Vec<(SandboxId, Partner)>> {
    let ids: Vec<String> = sandboxes.iter().map(ToString::to_string).collect();
    let rows = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "{PARTNER_SELECT} JOIN tenants t ON t.id = p.tenant_id WHERE p.sandbox_id IN (SELECT value FROM json_each(?)) ORDER BY t.seq"
    )))
    .bind(rows::to_json(&ids)?)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok((rows::parse(r, "sandbox_id")?, partner_from_row(r)?.0)))
        .collect()
}

/// A tenant's partner record and its etag; none when the tenant is not a registered partner.
/// One query: this is on the hot path of `GET /v1/profiles/legalbusiness`.
pub async fn partner(c: &mut Conn, tenant: TenantId) -> Result<Option<(Partner, String)>> {
    Ok(select(c, "WHERE p.tenant_id = ?", &[&tenant.to_string()])
        .await?
        .into_iter()
        .next())
}

/// Partners of these tenants, in one query.
pub async fn partners_of(c: &mut Conn, tenants: &[TenantId]) -> Result<Vec<Partner>> {
    if tenants.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = tenants.iter().map(ToString::to_string).collect();
    let rows = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "{PARTNER_SELECT} WHERE p.tenant_id IN (SELECT value FROM json_each(?))"
    )))
    .bind(rows::to_json(&ids)?)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(|r| partner_from_row(r).map(|(p, _)| p)).collect()
}

/// Partners of a sandbox whose verification has work due by `now_ms` (or whose due time was
/// never computed).
pub async fn due_partners(c: &mut Conn, sandbox: SandboxId, now_ms: i64) -> Result<Vec<Partner>> {
    let rows = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "{PARTNER_SELECT} WHERE p.sandbox_id = ? AND p.next_due_ms IS NOT NULL AND p.next_due_ms <= ?"
    )))
    .bind(sandbox.to_string())
    .bind(now_ms)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(|r| partner_from_row(r).map(|(p, _)| p)).collect()
}

/// The earliest time (ms on the sandbox clock) each of these sandboxes has verification work due,
/// for those that have any.
pub async fn next_due(c: &mut Conn, sandboxes: &[SandboxId]) -> Result<Vec<(SandboxId, i64)>> {
    let ids: Vec<String> = sandboxes.iter().map(ToString::to_string).collect();
    let rows = crate::sql::query(
        "SELECT sandbox_id, MIN(next_due_ms) AS due FROM partners WHERE next_due_ms IS NOT NULL \
         AND sandbox_id IN (SELECT value FROM json_each(?)) GROUP BY sandbox_id",
    )
    .bind(rows::to_json(&ids)?)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok((rows::parse(r, "sandbox_id")?, get(r, "due")?)))
        .collect()
}

/// The CSP indirect reseller account associated with a partner ID, if any.
pub async fn reseller_with_id(c: &mut Conn, sandbox: SandboxId, id: PartnerId) -> Result<Option<Partner>> {
    Ok(select(
        c,
        "WHERE p.sandbox_id = ? AND json_extract(p.csp, '$.partnerId') = ?",
        &[&sandbox.to_string(), &id.to_string()],
    )
    .await?
    .into_iter()
    .next()
    .map(|(p, _)| p))
}

/// The CSP indirect reseller accounts associated with any of these partner IDs, in one query.
pub async fn resellers_with_ids(c: &mut Conn, sandbox: SandboxId, ids: &[PartnerId]) -> Result<Vec<Partner>> {
    let wanted: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "{PARTNER_SELECT} WHERE p.sandbox_id = ? AND json_extract(p.csp, '$.partnerId') IN (SELECT value FROM json_each(?))"
    )))
    .bind(sandbox.to_string())
    .bind(rows::to_json(&wanted)?)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(|r| partner_from_row(r).map(|(p, _)| p)).collect()
}

/// Writes back a partner's profile, programs, verification and partner ID statuses; returns the
/// legal profile's etag.
pub async fn save_partner(c: &mut Conn, p: &Partner) -> Result<String> {
    let legal = rows::to_json(&p.legal_business_profile)?;
    let etag = etag_of(&legal);
    crate::sql::query(
        "UPDATE partners SET legal_profile = ?, website = ?, etag = ?, programs = ?, verification = ?, last_finalized = ?, \
         csp = ?, agreements = ?, next_due_ms = ? WHERE tenant_id = ?",
    )
    .bind(&legal)
    .bind(&p.website)
    .bind(&etag)
    .bind(rows::to_json(&p.programs)?)
    .bind(p.verification.as_ref().map(rows::to_json).transpose()?)
    .bind(p.last_finalized.as_ref().map(rows::to_json).transpose()?)
    .bind(p.csp.as_ref().map(rows::to_json).transpose()?)
    .bind(rows::to_json(&p.agreements)?)
    .bind(next_due_ms(p))
    .bind(p.tenant_id.to_string())
    .execute(&mut *c)
    .await?;
    let statuses: Vec<(String, &str)> = p
        .partner_ids
        .iter()
        .map(|i| (i.partner_id.to_string(), i.status.as_str()))
        .collect();
    crate::sql::query(
        "UPDATE partner_ids SET status = (SELECT json_extract(value, '$[1]') FROM json_each(?1) \
         WHERE json_extract(value, '$[0]') = partner_ids.partner_id) WHERE tenant_id = ?2 \
         AND partner_id IN (SELECT json_extract(value, '$[0]') FROM json_each(?1))",
    )
    .bind(rows::to_json(&statuses)?)
    .bind(p.tenant_id.to_string())
    .execute(&mut *c)
    .await?;
    Ok(etag)
}

fn next_due_ms(p: &Partner) -> Option<i64> {
    p.verification
        .as_ref()
        .and_then(domain::verification::Verification::next_due)
        .map(|t| t.timestamp_millis())
}

/// Partners and their partner IDs in two statements (a scenario's world, or one registration).
pub async fn insert_partners(c: &mut Conn, sandbox: SandboxId, partners: &[Partner]) -> Result<()> {
    if partners.is_empty() {
        return Ok(());
    }
    let sid = sandbox.to_string();
    let rows = partners
        .iter()
        .map(|p| {
            let legal = rows::to_json(&p.legal_business_profile)?;
            Ok((
                p,
                etag_of(&legal),
                legal,
                rows::to_json(&p.programs)?,
                p.verification.as_ref().map(rows::to_json).transpose()?,
                p.last_finalized.as_ref().map(rows::to_json).transpose()?,
                p.csp.as_ref().map(rows::to_json).transpose()?,
                rows::to_json(&p.agreements)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    for chunk in rows.chunks(100) {
        let mut q = sqlx::QueryBuilder::<sqlx::Any>::new(
            "INSERT INTO partners (tenant_id, sandbox_id, legal_profile, website, etag, programs, verification, last_finalized, csp, agreements, next_due_ms) ",
        );
        q.push_values(
            chunk,
            |mut b, (p, etag, legal, programs, verification, last, csp, agreements)| {
                b.push_bind(p.tenant_id.to_string())
                    .push_bind(sid.clone())
                    .push_bind(legal.clone())
                    .push_bind(p.website.clone())
                    .push_bind(etag.clone())
                    .push_bind(programs.clone())
                    .push_bind(verification.clone())
                    .push_bind(last.clone())
                    .push_bind(csp.clone())
                    .push_bind(agreements.clone())
                    .push_bind(next_due_ms(p));
            },
        );
        crate::sql::built(&mut q)?
            .execute(&mut *c)
            .await
            .map_err(map_write_err)?;
    }
    let ids: Vec<(&Partner, &PartnerIdRecord)> = partners
        .iter()
        .flat_map(|p| p.partner_ids.iter().map(move |id| (p, id)))
        .collect();
    for chunk in ids.chunks(100) {
        let mut q = sqlx::QueryBuilder::<sqlx::Any>::new(
            "INSERT INTO partner_ids (sandbox_id, partner_id, tenant_id, kind, country, status) ",
        );
        q.push_values(chunk, |mut b, (p, id)| {
            b.push_bind(sid.clone())
                .push_bind(id.partner_id.to_string())
                .push_bind(p.tenant_id.to_string())
                .push_bind(id.kind.as_str())
                .push_bind(id.country.clone())
                .push_bind(id.status.as_str());
        });
        crate::sql::built(&mut q)?
            .execute(&mut *c)
            .await
            .map_err(map_write_err)?;
    }
    Ok(())
}

/// Is this partner ID taken in the sandbox?
pub async fn partner_id_taken(c: &mut Conn, sandbox: SandboxId, id: PartnerId) -> Result<bool> {
    let n: i64 = crate::sql::query_scalar("SELECT COUNT(*) FROM partner_ids WHERE sandbox_id = ? AND partner_id = ?")
        .bind(sandbox.to_string())
        .bind(id.to_string())
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

/// A partner ID of the sandbox, with the tenant it belongs to.
pub async fn partner_id(
    c: &mut Conn,
    sandbox: SandboxId,
    id: PartnerId,
) -> Result<Option<(TenantId, PartnerIdRecord)>> {
    let row = crate::sql::query(
        "SELECT tenant_id, partner_id, kind, country, status FROM partner_ids WHERE sandbox_id = ? AND partner_id = ?",
    )
    .bind(sandbox.to_string())
    .bind(id.to_string())
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(id_from_row).transpose()
}

/// Partner IDs of the sandbox among `ids`, with their tenants, in one query.
pub async fn partner_ids(
    c: &mut Conn,
    sandbox: SandboxId,
    ids: &[PartnerId],
) -> Result<Vec<(TenantId, PartnerIdRecord)>> {
    let wanted: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = crate::sql::query(
        "SELECT tenant_id, partner_id, kind, country, status FROM partner_ids WHERE sandbox_id = ? \
         AND partner_id IN (SELECT value FROM json_each(?))",
    )
    .bind(sandbox.to_string())
    .bind(rows::to_json(&wanted)?)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(id_from_row).collect()
}

/// Stores an edited organization profile; returns its etag.
pub async fn put_organization_profile(
    c: &mut Conn,
    sandbox: SandboxId,
    tenant: TenantId,
    profile: &OrganizationProfile,
) -> Result<String> {
    let data = rows::to_json(profile)?;
    let etag = etag_of(&data);
    crate::sql::query(
        "INSERT INTO organization_profiles (tenant_id, sandbox_id, data, etag) VALUES (?, ?, ?, ?) \
         ON CONFLICT (tenant_id) DO UPDATE SET data = excluded.data, etag = excluded.etag",
    )
    .bind(tenant.to_string())
    .bind(sandbox.to_string())
    .bind(&data)
    .bind(&etag)
    .execute(&mut *c)
    .await?;
    Ok(etag)
}

/// A tenant's edited organization profile and its etag, if anyone edited it.
pub async fn organization_profile(c: &mut Conn, tenant: TenantId) -> Result<Option<(OrganizationProfile, String)>> {
    let row = crate::sql::query("SELECT data, etag FROM organization_profiles WHERE tenant_id = ?")
        .bind(tenant.to_string())
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| Ok((rows::json(&r, "data")?, get(&r, "etag")?))).transpose()
}
