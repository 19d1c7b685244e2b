//! CSP use-cases (STEP2 and STEP4 of the onboarding guide): enrolling as a CSP indirect reseller
//! with a PartnerLocation ID, accepting the Microsoft Partner Agreement, and the indirect provider
//! relationship (invitation, approval or postponement). Each runs as a user of the sandbox with
//! the portal's role and MFA checks; the control plane and the portal call these functions.

use chrono::{DateTime, Utc};
use domain::csp::{
    self, AgreementAcceptance, CspAccount, EnrollmentFacts, PartnerAgreementType, RelationshipRequest, RequestDecision,
    RequestState, SupportProfile,
};
use domain::mail;
use domain::message::{Refusal, RefusalKind};
use domain::partner_id::PartnerIdRecord;
use domain::profile::{Address, Contact, LegalBusinessProfile};
use domain::program::{Program, ProgramStatus};
use domain::world::Partner;
use domain::{PartnerId, Role};

use crate::error::{CoreError, Result};
use crate::onboarding::{refused, registration_form, required, PartnerState};
use crate::Core;

/// `enroll-csp-indirect-reseller`: the CSP indirect reseller form.
#[derive(Debug, Clone, Default)]
pub struct Enrollment {
    pub as_user: Option<String>,
    /// The PartnerLocation ID to associate (パートナー ID の関連付け).
    pub partner_id: Option<String>,
    /// 会社名, exactly as typed.
    pub company_name: Option<String>,
    /// 会社住所; the associated partner account's legal address when left out.
    pub address: Option<Address>,
    /// 法務担当者様の詳細.
    pub primary_contact: Option<Contact>,
    /// 顧客サポート情報; website and email default to the company's.
    pub support_website: Option<String>,
    pub support_email: Option<String>,
    pub support_phone: Option<String>,
}

/// A relationship request with both partners, after an action.
#[derive(Debug, Clone)]
pub struct RelationshipState {
    pub request: RelationshipRequest,
    pub provider: Partner,
    pub reseller: Partner,
    /// The page the invitation links to.
    pub url: String,
    pub now: DateTime<Utc>,
}

/// The portal's page of a relationship request.
pub fn relationship_request_url(base: &str, id: &str) -> String {
    format!(
        "{}/commerce/indirectresellers/relationshiprequest/{id}",
        base.trim_end_matches('/')
    )
}

fn opt_text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl Core {
    /// `enroll-csp-indirect-reseller` (STEP2 1-16): a Global admin of the CSP tenant associates an
    /// active PartnerLocation ID of the same country; the CSP account's legal profile is verified
    /// afresh, and the indirect reseller status stays pending until the MPA is accepted.
    pub async fn enroll_csp_indirect_reseller(
        &self,
        sandbox: &str,
        e: Enrollment,
        base_url: &str,
    ) -> Result<PartnerState> {
        let sb = self.find_sandbox(sandbox).await?;
        let (_, tenant) = self
            .acting_user(&sb, e.as_user.as_deref(), &[Role::GlobalAdmin])
            .await?;
        let entered_id = required(opt_text(e.partner_id), "partnerId")?;
        let company_name = required(e.company_name.filter(|n| !n.trim().is_empty()), "companyName")?;
        let contact = required(e.primary_contact, "primaryContact")?;
        let now = self.sandbox_now(&sb);
        let mut tx = self.store.begin().await?;
        self.settle_partners(&mut tx, &sb, now).await?;
        let partners = store::profiles::partners_for_update(&mut tx, sb.id).await?;
        let own = partners.iter().find(|p| p.tenant_id == tenant.id).cloned();
        if let Some(existing) = own.as_ref().and_then(|p| p.csp.as_ref()) {
            return Err(refused(csp::already_enrolled(existing)));
        }
        let wanted: Option<PartnerId> = csp::partner_id_of(&entered_id);
        let found: Option<(&Partner, &PartnerIdRecord)> = wanted.and_then(|id| {
            partners
                .iter()
                .find_map(|p| p.partner_ids.iter().find(|r| r.partner_id == id).map(|r| (p, r)))
        });
        let names: Vec<String> = partners
            .iter()
            .map(|p| p.legal_business_profile.company_name.clone())
            .collect();
        let already_associated = wanted.is_some_and(|id| {
            partners
                .iter()
                .any(|p| p.tenant_id != tenant.id && p.csp.as_ref().is_some_and(|c| c.partner_id == id))
        });
        // The association step's rules and the submit checks first, then the form's fields.
        let location_owner = found.map(|(p, _)| p);
        let address = e
            .address
            .or_else(|| own.as_ref().map(|p| p.legal_business_profile.address.clone()))
            .or_else(|| location_owner.map(|p| p.legal_business_profile.address.clone()));
        let owner_domains = match location_owner {
            Some(o) if o.tenant_id != tenant.id => {
                let verified = self
                    .store
                    .tenant_by_id(o.tenant_id)
                    .await?
                    .map(|(_, t)| t.verified_domains)
                    .unwrap_or_default();
                domain::mail_domain::company_domains(o.website.as_deref(), &verified)
            }
            _ => Vec::new(),
        };
        csp::check_enrollment(&EnrollmentFacts {
            partner_id: found.map(|(_, r)| r),
            entered_id: &entered_id,
            csp_country: &tenant.country,
            company_name: &company_name,
            existing_names: &names,
            contact_email: &contact.email,
            already_associated,
            owned: location_owner.is_none_or(|o| o.tenant_id == tenant.id),
            owner_domains: &owner_domains,
        })
        .map_err(refused)?;
        let profile = registration_form(&LegalBusinessProfile {
            company_name: company_name.clone(),
            address: required(address, "address")?,
            primary_contact: contact,
            company_approver_address: None,
            company_approver_email: None,
        })?;
        let (location_owner, record) = found.ok_or_else(|| CoreError::not_found("partner_id", &entered_id))?;
        let website = opt_text(e.support_website)
            .or_else(|| own.as_ref().and_then(|p| p.website.clone()))
            .or_else(|| location_owner.website.clone())
            .ok_or_else(|| refused(Refusal::required("supportWebsite")))?;
        let support = SupportProfile {
            website: domain::profile::text("supportWebsite", &website, 1, 2048)?,
            email: domain::profile::email(
                "supportEmail",
                &opt_text(e.support_email).unwrap_or_else(|| profile.primary_contact.email.clone()),
            )?,
            phone: opt_text(e.support_phone)
                .map(|p| domain::profile::text("supportPhone", &p, 1, 40))
                .transpose()?,
        };
        let account = CspAccount {
            partner_id: record.partner_id,
            location_tenant_id: location_owner.tenant_id,
            country: tenant.country.clone(),
            support,
            enrolled_at: now,
        };
        let (mut partner, before) = match own {
            Some(p) => {
                let before = p.verification.clone();
                (p, before)
            }
            None => {
                let p = Partner {
                    tenant_id: tenant.id,
                    legal_business_profile: profile.clone(),
                    website: Some(account.support.website.clone()),
                    partner_ids: Vec::new(),
                    programs: Vec::new(),
                    verification: None,
                    last_finalized: None,
                    csp: None,
                    agreements: Vec::new(),
                };
                store::profiles::insert_partner(&mut tx, sb.id, &p).await?;
                (p, None)
            }
        };
        partner.legal_business_profile = profile;
        partner.csp = Some(account);
        partner.set_program(Program::CspIndirectReseller, ProgramStatus::Pending);
        self.verify(&mut tx, &sb, &tenant, &mut partner, now, true).await?;
        self.save(&mut tx, &sb, before.as_ref(), &partner, base_url, now)
            .await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        self.changed();
        Ok(PartnerState { partner, now })
    }

    /// `accept-agreement`: a Global admin accepts the Microsoft Partner Agreement once the CSP
    /// account's profile is authorized; the indirect reseller becomes active.
    pub async fn accept_agreement(
        &self,
        sandbox: &str,
        as_user: Option<&str>,
        agreement_type: Option<&str>,
    ) -> Result<PartnerState> {
        let sb = self.find_sandbox(sandbox).await?;
        let (user, tenant) = self.acting_user(&sb, as_user, &[Role::GlobalAdmin]).await?;
        let raw = required(agreement_type.map(str::trim).filter(|t| !t.is_empty()), "agreementType")?;
        let t = PartnerAgreementType::parse(raw).ok_or_else(|| refused(csp::unknown_agreement_type()))?;
        let now = self.sandbox_now(&sb);
        let mut tx = self.store.begin().await?;
        let mut partner = self.partner_for_action(&mut tx, &sb, tenant.id, now).await?;
        csp::check_agreement_acceptance(partner.csp.is_some(), partner.authorized(), &partner.agreements, t)
            .map_err(refused)?;
        partner.accept(AgreementAcceptance {
            agreement_type: t,
            accepted_at: now,
            accepted_by: user.id,
            accepted_by_upn: user.user_principal_name.clone(),
        });
        store::profiles::save_partner(&mut tx, &partner).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        self.changed();
        Ok(PartnerState { partner, now })
    }

    /// `invite-reseller`: an indirect provider (Global admin or Admin agent) invites the reseller
    /// whose CSP account is associated with `reseller_partner_id`; the invitation goes to the
    /// reseller's primary contact. An open request is sent again rather than duplicated.
    pub async fn invite_reseller(
        &self,
        sandbox: &str,
        as_user: Option<&str>,
        reseller_partner_id: Option<&str>,
        base_url: &str,
    ) -> Result<(RelationshipState, bool)> {
        let sb = self.find_sandbox(sandbox).await?;
        let (user, tenant) = self
            .acting_user(&sb, as_user, &[Role::GlobalAdmin, Role::AdminAgent])
            .await?;
        let raw = required(as_str_opt(reseller_partner_id), "resellerPartnerId")?;
        let now = self.sandbox_now(&sb);
        let mut tx = self.store.begin().await?;
        let provider = self.partner_for_action(&mut tx, &sb, tenant.id, now).await?;
        if provider.program(Program::CspIndirectProvider) != Some(ProgramStatus::Active) {
            return Err(refused(csp::not_an_indirect_provider()));
        }
        let not_reseller = || refused(csp::not_an_indirect_reseller(raw));
        let id = csp::partner_id_of(raw).ok_or_else(not_reseller)?;
        let reseller_tenant = store::csp::reseller_with_id(&mut tx, sb.id, id)
            .await?
            .ok_or_else(not_reseller)?;
        if reseller_tenant == tenant.id {
            return Err(refused(
                Refusal::new(
                    RefusalKind::Invalid,
                    "SelfInvitation",
                    "自社を間接リセラーとして招待することはできません。",
                    "You can't invite your own account as an indirect reseller.",
                )
                .on("resellerPartnerId"),
            ));
        }
        let reseller = store::profiles::partner_for_update(&mut tx, reseller_tenant)
            .await?
            .map(|(p, _)| p)
            .ok_or_else(not_reseller)?;
        let existing = store::csp::requests_between(&mut tx, tenant.id, reseller_tenant).await?;
        if existing.iter().any(|r| r.state == RequestState::Approved) {
            return Err(refused(csp::already_related()));
        }
        let (request, created) = match existing.into_iter().last() {
            Some(mut open) => {
                // Inviting again sends the open request again; a postponed one is pending again.
                if open.state == RequestState::Postponed {
                    open.state = RequestState::Pending;
                    store::csp::update_request(&mut tx, &open).await?;
                }
                (open, false)
            }
            None => {
                let r = RelationshipRequest {
                    id: self.random.uuid().to_string(),
                    provider_tenant_id: tenant.id,
                    reseller_tenant_id: reseller_tenant,
                    state: RequestState::Pending,
                    invited_by: user.id,
                    created_at: now,
                    decided_at: None,
                    decided_by: None,
                };
                store::csp::insert_request(&mut tx, sb.id, &r).await?;
                (r, true)
            }
        };
        let url = relationship_request_url(base_url, &request.id);
        let m = mail::relationship_invitation(
            &provider.legal_business_profile.company_name,
            &reseller.legal_business_profile.company_name,
            &reseller.legal_business_profile.primary_contact.email,
            &url,
        );
        self.send(&mut tx, &sb, &m, now).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        // Settling the partners above may have finished a verification that /v1 shows.
        self.changed();
        Ok((
            RelationshipState {
                request,
                provider,
                reseller,
                url,
                now,
            },
            created,
        ))
    }

    /// `respond-relationship-request`: a Global admin of the reseller approves (with the consent
    /// box ticked) or postpones. An approval tells the provider by mail.
    pub async fn respond_relationship_request(
        &self,
        sandbox: &str,
        as_user: Option<&str>,
        request_id: Option<&str>,
        decision: Option<&str>,
        consent: bool,
        base_url: &str,
    ) -> Result<RelationshipState> {
        let sb = self.find_sandbox(sandbox).await?;
        let (user, tenant) = self.acting_user(&sb, as_user, &[Role::GlobalAdmin]).await?;
        let id = required(as_str_opt(request_id), "requestId")?;
        let raw_decision = required(as_str_opt(decision), "decision")?;
        let decision = RequestDecision::parse(raw_decision).ok_or_else(|| refused(csp::unknown_decision()))?;
        let now = self.sandbox_now(&sb);
        let mut tx = self.store.begin().await?;
        let mut request = match store::csp::request_for_update(&mut tx, id).await? {
            Some((sid, r)) if sid == sb.id => r,
            _ => return Err(refused(csp::unknown_request(id))),
        };
        if request.reseller_tenant_id != tenant.id {
            return Err(refused(Refusal::new(
                RefusalKind::Forbidden,
                "OtherOrganizationsRequest",
                "この要求は別の組織宛てです。招待された間接リセラーのグローバル管理者でサインインしてください。",
                "This request is addressed to another organization. Sign in as a Global admin of the invited reseller.",
            )));
        }
        request.respond(decision, consent, user.id, now).map_err(refused)?;
        store::csp::update_request(&mut tx, &request).await?;
        let provider = store::profiles::partner_for_update(&mut tx, request.provider_tenant_id)
            .await?
            .map(|(p, _)| p)
            .ok_or_else(|| CoreError::not_found("partner", request.provider_tenant_id))?;
        let reseller = store::profiles::partner_for_update(&mut tx, tenant.id)
            .await?
            .map(|(p, _)| p)
            .ok_or_else(|| CoreError::not_found("partner", tenant.id))?;
        if request.state == RequestState::Approved {
            let m = mail::relationship_approved(
                &provider.legal_business_profile.company_name,
                &reseller.legal_business_profile.company_name,
                &provider.legal_business_profile.primary_contact.email,
            );
            self.send(&mut tx, &sb, &m, now).await?;
        }
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(RelationshipState {
            url: relationship_request_url(base_url, &request.id),
            request,
            provider,
            reseller,
            now,
        })
    }

    /// A relationship request as its page shows it; `None` when there is no such request.
    pub async fn relationship_request(&self, id: &str, base_url: &str) -> Result<Option<RelationshipState>> {
        let Some(request) = self.store.relationship_request(id).await? else {
            return Ok(None);
        };
        let (Some((provider, _)), Some((reseller, _))) = (
            self.store.partner(request.provider_tenant_id).await?,
            self.store.partner(request.reseller_tenant_id).await?,
        ) else {
            return Ok(None);
        };
        let (sid, _) = self
            .store
            .tenant_by_id(request.provider_tenant_id)
            .await?
            .ok_or_else(|| CoreError::not_found("tenant", request.provider_tenant_id))?;
        let sb = self.find_sandbox(&sid.to_string()).await?;
        Ok(Some(RelationshipState {
            url: relationship_request_url(base_url, &request.id),
            request,
            provider,
            reseller,
            now: self.sandbox_now(&sb),
        }))
    }
}

fn as_str_opt(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}
