//! Profile use-cases of the Partner Center API: the legal business profile, the organization
//! profile and partner (MPN) profiles.

use std::sync::Arc;

use domain::fault::Fault;
use domain::profile::{LegalBusinessProfile, OrganizationProfile};
use domain::vetting::{VettingStatus, VettingSubStatus, VettingVersion};
use domain::world::Partner;
use domain::{PartnerId, TenantId};

use super::auth::Principal;
use crate::error::{CoreError, Result};
use crate::Core;

/// A legal business profile as a read shows it.
#[derive(Debug, Clone)]
pub struct LegalProfileView {
    pub profile: LegalBusinessProfile,
    pub etag: String,
    pub vetting_status: VettingStatus,
    pub vetting_sub_status: VettingSubStatus,
}

#[derive(Debug, Clone)]
pub struct OrganizationView {
    pub tenant_id: TenantId,
    pub domain: String,
    pub profile: OrganizationProfile,
    /// The etag of the profile as shown (also before anyone edited it).
    pub etag: String,
}

/// A tenant's organization profile: the edited one, or the one derived from its partner
/// profile (or tenant) before anyone edited it.
async fn organization_of(r: &mut store::Conn, tenant_id: TenantId) -> Result<OrganizationView> {
    let (_, tenant) = store::world::tenant(r, tenant_id)
        .await?
        .ok_or_else(|| CoreError::not_found("tenant", tenant_id))?;
    let profile = match store::profiles::organization_profile(r, tenant_id).await? {
        Some((p, _)) => p,
        None => {
            let partner = store::profiles::partner(r, tenant_id).await?;
            let name = partner
                .as_ref()
                .map(|(p, _)| p.legal_business_profile.company_name.clone())
                .unwrap_or_else(|| tenant.display_name.clone());
            let email = match &partner {
                Some((p, _)) => p.legal_business_profile.primary_contact.email.clone(),
                None => store::world::global_admins(r, tenant_id)
                    .await?
                    .first()
                    .map(|u| u.user_principal_name.clone())
                    .unwrap_or_default(),
            };
            let mut p = OrganizationProfile::default_for(&name, &tenant.country, &email);
            p.default_address = partner.map(|(p, _)| p.legal_business_profile.address);
            p
        }
    };
    Ok(OrganizationView {
        tenant_id: tenant.id,
        domain: tenant.domain,
        etag: domain::etag::of(&profile),
        profile,
    })
}

#[derive(Debug, Clone)]
pub struct MpnView {
    pub partner_name: String,
    pub mpn_id: PartnerId,
}

/// The tenant is not a registered partner: it has no partner profiles.
fn not_a_partner(tenant: TenantId) -> CoreError {
    CoreError::not_found("partner", tenant)
}

impl Core {
    pub(crate) async fn own_partner(&self, who: &Principal) -> Result<Arc<(Partner, String)>> {
        self.partner_of(who.sandbox, who.tenant)
            .await?
            .ok_or_else(|| not_a_partner(who.tenant))
    }

    /// `vettingVersion` picks which verification the status comes from: `Current` the one in
    /// progress (or last run), `LastFinalized` the last one that finished. Work that fell due on
    /// the sandbox clock (a finished review, an expired link) is applied first.
    pub async fn legal_business_profile(&self, who: &Principal, version: VettingVersion) -> Result<LegalProfileView> {
        let mut found = self.own_partner(who).await?;
        let now = domain::clock::shifted(self.clock.now(), who.clock_offset_ms);
        let due = found.0.verification.as_ref().and_then(|v| v.next_due());
        if due.is_some_and(|d| d <= now) {
            // Opening a write settles what fell due.
            self.write(who.sandbox).await?.commit().await?;
            found = self.own_partner(who).await?;
        }
        let (partner, etag) = &*found;
        let (vetting_status, vetting_sub_status) = partner.vetting(version);
        Ok(LegalProfileView {
            profile: partner.legal_business_profile.clone(),
            etag: etag.clone(),
            vetting_status,
            vetting_sub_status,
        })
    }

    /// `PUT /v1/profiles/legalbusiness`: the same use-case as the portal's profile update, so the
    /// changed profile is verified again.
    pub async fn update_legal_business_profile(
        &self,
        who: &Principal,
        profile: LegalBusinessProfile,
    ) -> Result<LegalProfileView> {
        let profile = profile.validated()?;
        let mut w = self.write(who.sandbox).await?;
        let partner = w.partner(who.tenant).await?;
        let (_, tenant) = store::world::tenant(w.c(), who.tenant)
            .await?
            .ok_or_else(|| not_a_partner(who.tenant))?;
        w.reverify(&tenant, partner, profile).await?;
        w.commit().await?;
        self.legal_business_profile(who, VettingVersion::Current).await
    }

    pub async fn organization_profile(&self, who: &Principal) -> Result<OrganizationView> {
        let mut r = self.store.read().await?;
        organization_of(&mut r, who.tenant).await
    }

    /// `PUT /v1/profiles/organization`. The documented request sends no `If-Match` (nor does the
    /// .NET SDK), so none is needed; an etag that is sent (header or `attributes.etag`) must be
    /// the current one: 400, 2055 "Etag is no longer valid".
    pub async fn update_organization_profile(
        &self,
        who: &Principal,
        profile: OrganizationProfile,
        etag: Option<&str>,
    ) -> Result<OrganizationView> {
        let profile = profile.validated()?;
        let mut w = self.write(who.sandbox).await?;
        let current = organization_of(w.c(), who.tenant).await?;
        if let Some(sent) = etag.filter(|e| !domain::etag::normalise(e).is_empty()) {
            if !domain::etag::matches(sent, &current.etag) {
                return Err(Fault::explained(
                    400,
                    2055,
                    "Etag is no longer valid",
                    "The organization profile changed since that etag was read; GET it again and retry.",
                )
                .with_data(["If-Match"])
                .into());
            }
        }
        store::profiles::put_organization_profile(w.c(), who.sandbox, who.tenant, &profile).await?;
        w.commit().await?;
        self.organization_profile(who).await
    }

    /// The caller's own MPN profile (its PartnerGlobal ID), or any partner's in the sandbox by ID.
    pub async fn mpn_profile(&self, who: &Principal, mpn_id: Option<&str>) -> Result<MpnView> {
        let Some(raw) = mpn_id else {
            let found = self.own_partner(who).await?;
            let partner = &found.0;
            let id = partner
                .global_id()
                .map(|g| g.partner_id)
                .ok_or_else(|| not_a_partner(who.tenant))?;
            return Ok(MpnView {
                partner_name: partner.legal_business_profile.company_name.clone(),
                mpn_id: id,
            });
        };
        let unknown = || CoreError::not_found("partner_id", raw.trim());
        let id: PartnerId = raw.parse().map_err(|_| unknown())?;
        let (tenant, _) = {
            let mut c = self.store.conn().await?;
            store::profiles::partner_id(&mut c, who.sandbox, id)
                .await?
                .ok_or_else(unknown)?
        };
        let found = self.partner_of(who.sandbox, tenant).await?.ok_or_else(unknown)?;
        Ok(MpnView {
            partner_name: found.0.legal_business_profile.company_name.clone(),
            mpn_id: id,
        })
    }
}
