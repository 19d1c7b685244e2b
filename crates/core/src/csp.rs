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
use domain::{PartnerId, Role, SandboxId};

use crate::error::{CoreError, Result};
use crate::onboarding::{refused, registration_form, PartnerState};
use crate::uow::UserRef;
use crate::Core;

/// `enroll-csp-indirect-reseller`: the CSP indirect reseller form.
#[derive(Debug, Clone)]
pub struct Enrollment {
    pub actor: UserRef,
    /// The partner ID to associate (パートナー ID の関連付け), as typed: the rules name what
    /// is wrong with it (a Global ID, another country's...).
    pub partner_id: String,
    /// 会社名, exactly as typed.
    pub company_name: String,
    /// 会社住所; the associated partner account's legal address when left out.
    pub address: Option<Address>,
    /// 法務担当者様の詳細.
    pub primary_contact: Contact,
    /// 顧客サポート情報; website and email default to the company's.
    pub support_website: Option<String>,
    pub support_email: Option<String>,
    pub support_phone: Option<String>,
}

/// `respond-relationship-request`: the reseller's answer to a provider's invitation.
#[derive(Debug, Clone)]
pub struct Response {
    pub actor: UserRef,
    pub request_id: String,
    pub decision: RequestDecision,
    /// The consent box (同意します) is ticked.
    pub consent: bool,
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

/// The most relationship requests the control plane lists for a sandbox.
pub const MAX_LISTED_REQUESTS: u32 = 1000;

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
    pub async fn enroll_csp_indirect_reseller(&self, sandbox: SandboxId, e: Enrollment) -> Result<PartnerState> {
        let entered_id = e.partner_id.trim().to_owned();
        let company_name = e.company_name;
        let contact = e.primary_contact;
        let mut w = self.write(sandbox).await?;
        let (_, tenant) = w.actor(&e.actor, &[Role::GlobalAdmin]).await?;
        let partners = store::profiles::partners(w.c(), sandbox).await?;
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
                let verified = store::world::tenant(w.c(), o.tenant_id)
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
            address: address.ok_or_else(|| refused(Refusal::required("address")))?,
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
            enrolled_at: w.now,
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
                store::profiles::insert_partners(w.c(), sandbox, std::slice::from_ref(&p)).await?;
                (p, None)
            }
        };
        partner.legal_business_profile = profile;
        partner.csp = Some(account);
        partner.set_program(Program::CspIndirectReseller, ProgramStatus::Pending);
        w.verify(&tenant, &mut partner, true).await?;
        w.save_partner(before.as_ref(), &partner).await?;
        let now = w.now;
        w.commit().await?;
        Ok(PartnerState { partner, now })
    }

    /// `accept-agreement`: a Global admin accepts the Microsoft Partner Agreement once the CSP
    /// account's profile is authorized; the indirect reseller becomes active.
    pub async fn accept_agreement(
        &self,
        sandbox: SandboxId,
        actor: &UserRef,
        t: PartnerAgreementType,
    ) -> Result<PartnerState> {
        let mut w = self.write(sandbox).await?;
        let (user, tenant) = w.actor(actor, &[Role::GlobalAdmin]).await?;
        let mut partner = w.partner(tenant.id).await?;
        // Indirect resellers and indirect providers alike sign the MPA (learn.microsoft.com,
        // partner-center/microsoft-partner-agreement: "All Cloud Solution Provider program partners").
        let in_csp =
            partner.csp.is_some() || partner.program(Program::CspIndirectProvider) == Some(ProgramStatus::Active);
        csp::check_agreement_acceptance(in_csp, partner.authorized(), &partner.agreements, t).map_err(refused)?;
        partner.accept(AgreementAcceptance {
            agreement_type: t,
            accepted_at: w.now,
            accepted_by: user.id,
            accepted_by_upn: user.user_principal_name.clone(),
        });
        store::profiles::save_partner(w.c(), &partner).await?;
        let now = w.now;
        w.commit().await?;
        Ok(PartnerState { partner, now })
    }

    /// `invite-reseller`: an indirect provider (Global admin or Admin agent) invites the reseller
    /// whose CSP account is associated with `reseller_partner_id`; the invitation goes to the
    /// reseller's primary contact. An open request is sent again rather than duplicated.
    pub async fn invite_reseller(
        &self,
        sandbox: SandboxId,
        actor: &UserRef,
        reseller_partner_id: &str,
    ) -> Result<(RelationshipState, bool)> {
        let raw = reseller_partner_id.trim();
        let mut w = self.write(sandbox).await?;
        let (user, tenant) = w.actor(actor, &[Role::GlobalAdmin, Role::AdminAgent]).await?;
        let provider = w.partner(tenant.id).await?;
        if provider.program(Program::CspIndirectProvider) != Some(ProgramStatus::Active) {
            return Err(refused(csp::not_an_indirect_provider()));
        }
        let not_reseller = || refused(csp::not_an_indirect_reseller(raw));
        let id = csp::partner_id_of(raw).ok_or_else(not_reseller)?;
        let reseller = store::profiles::reseller_with_id(w.c(), sandbox, id)
            .await?
            .ok_or_else(not_reseller)?;
        if reseller.tenant_id == tenant.id {
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
        let existing = store::csp::requests_between(w.c(), tenant.id, reseller.tenant_id).await?;
        if existing.iter().any(|r| r.state == RequestState::Approved) {
            return Err(refused(csp::already_related()));
        }
        let (request, created) = match existing.into_iter().last() {
            Some(mut open) => {
                // Inviting again sends the open request again; a postponed one is pending again.
                if open.state == RequestState::Postponed {
                    open.state = RequestState::Pending;
                    store::csp::update_request(w.c(), &open).await?;
                }
                (open, false)
            }
            None => {
                let r = RelationshipRequest {
                    id: self.random.uuid().to_string(),
                    provider_tenant_id: tenant.id,
                    reseller_tenant_id: reseller.tenant_id,
                    state: RequestState::Pending,
                    invited_by: user.id,
                    created_at: w.now,
                    decided_at: None,
                    decided_by: None,
                };
                store::csp::insert_request(w.c(), sandbox, &r).await?;
                (r, true)
            }
        };
        let url = relationship_request_url(&self.settings.base_url, &request.id);
        let m = mail::relationship_invitation(
            &provider.legal_business_profile.company_name,
            &reseller.legal_business_profile.company_name,
            &reseller.legal_business_profile.primary_contact.email,
            &url,
        );
        w.send(&m).await?;
        let now = w.now;
        w.commit().await?;
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
    pub async fn respond_relationship_request(&self, sandbox: SandboxId, r: Response) -> Result<RelationshipState> {
        let mut w = self.write(sandbox).await?;
        let (user, tenant) = w.actor(&r.actor, &[Role::GlobalAdmin]).await?;
        let id = r.request_id.trim();
        let mut request = match store::csp::request(w.c(), id).await? {
            Some((sid, req)) if sid == sandbox => req,
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
        request
            .respond(r.decision, r.consent, user.id, w.now)
            .map_err(refused)?;
        store::csp::update_request(w.c(), &request).await?;
        let provider = w.partner(request.provider_tenant_id).await?;
        let reseller = w.partner(tenant.id).await?;
        if request.state == RequestState::Approved {
            let m = mail::relationship_approved(
                &provider.legal_business_profile.company_name,
                &reseller.legal_business_profile.company_name,
                &provider.legal_business_profile.primary_contact.email,
            );
            w.send(&m).await?;
        }
        let now = w.now;
        w.commit().await?;
        Ok(RelationshipState {
            url: relationship_request_url(&self.settings.base_url, &request.id),
            request,
            provider,
            reseller,
            now,
        })
    }

    /// The sandbox's relationship requests, newest first (at most [`MAX_LISTED_REQUESTS`]),
    /// read in one snapshot.
    pub async fn relationship_requests(&self, sandbox: SandboxId) -> Result<Vec<RelationshipState>> {
        let mut r = self.store.read().await?;
        let sb = store::sandboxes::get_one(&mut r, sandbox)
            .await?
            .ok_or_else(|| CoreError::not_found("sandbox", sandbox))?;
        let now = self.sandbox_now(&sb);
        let mut out = Vec::new();
        for request in store::csp::requests_in(&mut r, sandbox, MAX_LISTED_REQUESTS).await? {
            let (Some((provider, _)), Some((reseller, _))) = (
                store::profiles::partner(&mut r, request.provider_tenant_id).await?,
                store::profiles::partner(&mut r, request.reseller_tenant_id).await?,
            ) else {
                continue;
            };
            out.push(RelationshipState {
                url: relationship_request_url(&self.settings.base_url, &request.id),
                request,
                provider,
                reseller,
                now,
            });
        }
        Ok(out)
    }

    /// A relationship request as its page shows it, read in one snapshot; `None` when there is
    /// no such request.
    pub async fn relationship_request(&self, id: &str) -> Result<Option<RelationshipState>> {
        let mut r = self.store.read().await?;
        let Some((sandbox, request)) = store::csp::request(&mut r, id).await? else {
            return Ok(None);
        };
        let (Some((provider, _)), Some((reseller, _))) = (
            store::profiles::partner(&mut r, request.provider_tenant_id).await?,
            store::profiles::partner(&mut r, request.reseller_tenant_id).await?,
        ) else {
            return Ok(None);
        };
        let sb = store::sandboxes::get_one(&mut r, sandbox)
            .await?
            .ok_or_else(|| CoreError::not_found("sandbox", sandbox))?;
        Ok(Some(RelationshipState {
            url: relationship_request_url(&self.settings.base_url, &request.id),
            request,
            provider,
            reseller,
            now: self.sandbox_now(&sb),
        }))
    }
}

/// A customer after a control-plane action, with the sandbox's time.
#[derive(Debug, Clone)]
pub struct CustomerState {
    pub customer: domain::customer::Customer,
    pub now: DateTime<Utc>,
}

impl Core {
    /// `sign-customer-agreement`: the customer's admin accepts the Microsoft Customer Agreement
    /// in the Microsoft 365 admin center (a sandbox power: the customer's side is not emulated),
    /// which `directSignedMicrosoftCustomerAgreementStatus` then reports.
    pub async fn sign_customer_agreement(
        &self,
        sandbox: SandboxId,
        customer: domain::TenantId,
    ) -> Result<CustomerState> {
        let mut w = self.write(sandbox).await?;
        let mut c = match store::csp::customer(w.c(), customer).await? {
            Some(c) if store::csp::customer_sandbox(w.c(), customer).await? == Some(sandbox) => c,
            _ => return Err(CoreError::not_found("customer", customer)),
        };
        if c.mca_signed_directly_at.is_none() {
            c.mca_signed_directly_at = Some(w.now);
            store::csp::update_customer(w.c(), &c).await?;
        }
        let now = w.now;
        w.commit().await?;
        Ok(CustomerState { customer: c, now })
    }
}
