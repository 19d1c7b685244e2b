//! Onboarding use-cases (STEP1 of the onboarding guide): registering a partner, its verification
//! and the remedies for each rejected check, the registry and the mailbox. Each action runs as a
//! user of the sandbox with the portal's role and MFA checks; the control plane, `/v1` and the
//! portal call the same functions.
//!
//! Pending work falls due on the sandbox clock: every write settles it first ([`crate::uow`]),
//! and reads settle it when a partner's next deadline has passed.

use chrono::{DateTime, Utc};
use domain::access::LEGAL_EDITORS;
use domain::message::{Refusal, RefusalKind};
use domain::partner_id::{PartnerIdKind, PartnerIdRecord, PartnerIdStatus};
use domain::profile::{Address, Contact, LegalBusinessProfile};
use domain::program::{Program, ProgramRecord, ProgramStatus};
use domain::registry::RegistryEntry;
use domain::scenario::RegistrySpec;
use domain::verification::{Check, CheckState, DocumentKind, IssuedOn, LinkOutcome, Subject, Verification};
use domain::vetting::VettingStatus;
use domain::world::{Partner, Tenant, World};
use domain::{limits, Role, SandboxId, TenantId};

use crate::directory::fresh_partner_id;
use crate::error::{CoreError, Result};
use crate::uow::{UserRef, Write};
use crate::Core;

/// `register-partner`: the company as the registration form asks for it.
#[derive(Debug, Clone)]
pub struct Registration {
    pub actor: UserRef,
    /// When given, it must be the acting user's tenant.
    pub tenant_id: Option<TenantId>,
    pub company_name: String,
    pub address: Address,
    pub primary_contact: Contact,
    pub website: Option<String>,
}

/// `update-legal-profile`: the fields to change; the others keep their values.
#[derive(Debug, Clone)]
pub struct ProfileChange {
    pub actor: UserRef,
    pub company_name: Option<String>,
    pub address: Option<Address>,
    pub primary_contact: Option<Contact>,
    /// `Some("")` removes the website.
    pub website: Option<String>,
}

/// `upload-document`: a document for a rejected employment or company check.
#[derive(Debug, Clone)]
pub struct Upload {
    pub actor: UserRef,
    pub check: Check,
    pub kind: DocumentKind,
    pub issued_on: Option<IssuedOn>,
}

/// What a forced decision makes of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    Rejected,
}

/// `decide-verification` (a sandbox power: no acting user).
#[derive(Debug, Clone)]
pub struct Decision {
    /// The partner's tenant; may be left out when the sandbox has one partner in verification.
    pub tenant_id: Option<TenantId>,
    pub check: Check,
    pub outcome: Outcome,
    pub reason: Option<String>,
}

/// A partner after an action, with the sandbox's time.
#[derive(Debug, Clone)]
pub struct PartnerState {
    pub partner: Partner,
    pub now: DateTime<Utc>,
}

/// What following an email link showed.
#[derive(Debug, Clone)]
pub struct LinkResult {
    pub outcome: LinkOutcome,
    pub company_name: String,
}

/// Which page of the mailbox to read.
#[derive(Debug, Clone, Default)]
pub struct MailQuery {
    pub to: Option<String>,
    /// Continue before this position (from the previous page).
    pub before: Option<i64>,
    pub limit: usize,
}

pub(crate) fn refused(r: Refusal) -> CoreError {
    CoreError::Refused(r)
}

pub(crate) fn not_a_partner() -> CoreError {
    refused(Refusal::new(
        RefusalKind::NotFound,
        "NotAPartner",
        "このテナントはパートナー アカウントに登録されていません。先にパートナー登録を行ってください。",
        "This tenant has no partner account. Register it first.",
    ))
}

/// The portal's link to follow for an email-ownership token.
pub fn email_link_url(base: &str, token: &str) -> String {
    format!("{}/dashboard/verification/email/{token}", base.trim_end_matches('/'))
}

impl Write<'_> {
    /// The partner an action concerns, read in the transaction (already settled to now).
    pub(crate) async fn partner(&mut self, tenant: TenantId) -> Result<Partner> {
        store::profiles::partner(self.c(), tenant)
            .await?
            .map(|(p, _)| p)
            .ok_or_else(not_a_partner)
    }

    fn link_token(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.core().random.bytes(24))
    }

    /// Starts (or restarts) the partner's verification of its current legal profile. A profile
    /// update carries over approvals whose subject did not change; a program enrollment
    /// (`fresh`) verifies everything again.
    pub(crate) async fn verify(&mut self, tenant: &Tenant, partner: &mut Partner, fresh: bool) -> Result<()> {
        let id = self.id();
        let registry = store::onboarding::registry(self.c(), id).await?;
        let previous = partner.verification.clone();
        let carried = if fresh { None } else { previous.as_ref() };
        let v = Verification::start(
            previous.as_ref().map_or(1, |p| p.version + 1),
            &Subject {
                profile: &partner.legal_business_profile,
                website: partner.website.as_deref(),
                verified_domains: &tenant.verified_domains,
                registry: &registry,
            },
            carried,
            self.now,
            self.link_token(),
        );
        partner.record(v);
        Ok(())
    }

    /// Replaces the legal profile and, when a verified subject changed, verifies it again (the
    /// shared tail of both update paths).
    pub(crate) async fn reverify(
        &mut self,
        tenant: &Tenant,
        mut partner: Partner,
        profile: LegalBusinessProfile,
    ) -> Result<PartnerState> {
        let before = partner.verification.clone();
        let changed = !domain::verification::same_subjects(&partner.legal_business_profile, &profile);
        partner.legal_business_profile = profile;
        if changed {
            self.verify(tenant, &mut partner, false).await?;
        }
        self.save_partner(before.as_ref(), &partner).await?;
        Ok(PartnerState { partner, now: self.now })
    }

    /// Runs one verification transition on a partner.
    async fn change_verification(
        &mut self,
        tenant: TenantId,
        change: impl FnOnce(&mut Verification, DateTime<Utc>) -> std::result::Result<(), Refusal>,
    ) -> Result<PartnerState> {
        let mut partner = self.partner(tenant).await?;
        let before = partner.verification.clone();
        let mut v = before.clone().ok_or_else(|| {
            refused(Refusal::new(
                RefusalKind::Conflict,
                "NoVerification",
                "このパートナーの確認は既に完了しています。",
                "This partner's verification is already complete.",
            ))
        })?;
        change(&mut v, self.now).map_err(refused)?;
        partner.record(v);
        self.save_partner(before.as_ref(), &partner).await?;
        Ok(PartnerState { partner, now: self.now })
    }

    async fn unused_partner_id(&mut self, partner: &Partner) -> Result<domain::PartnerId> {
        let world = World {
            partners: vec![partner.clone()],
            ..World::default()
        };
        let id = self.id();
        loop {
            let candidate = fresh_partner_id(self.core().random.as_ref(), &world);
            if !store::profiles::partner_id_taken(self.c(), id, candidate).await? {
                return Ok(candidate);
            }
        }
    }
}

impl Core {
    /// `register-partner`: the partner account, its PartnerGlobal and PartnerLocation IDs (inactive),
    /// the AI Cloud Partner Program (pending), and the start of verification.
    pub async fn register_partner(&self, sandbox: SandboxId, r: Registration) -> Result<PartnerState> {
        let profile = registration_form(&LegalBusinessProfile {
            company_name: r.company_name,
            address: r.address,
            primary_contact: r.primary_contact,
            company_approver_address: None,
            company_approver_email: None,
        })?;
        let website = r
            .website
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(|w| domain::profile::text("website", w, 1, 2048))
            .transpose()?;
        let mut w = self.write(sandbox).await?;
        let (_, tenant) = w.actor(&r.actor, &[Role::GlobalAdmin]).await?;
        if r.tenant_id.is_some_and(|t| t != tenant.id) {
            return Err(refused(
                Refusal::new(
                    RefusalKind::Forbidden,
                    "OtherTenant",
                    "サインインしている組織アカウントのテナントでのみ登録できます。",
                    "You can only register the tenant you are signed in to.",
                )
                .on("tenantId"),
            ));
        }
        if store::profiles::partner(w.c(), tenant.id).await?.is_some() {
            return Err(refused(Refusal::new(
                RefusalKind::Conflict,
                "AlreadyRegistered",
                "この組織アカウントは既にパートナー アカウントに登録されています。",
                "This organization is already registered as a partner.",
            )));
        }
        let country = profile.address.country.clone();
        let mut partner = Partner {
            tenant_id: tenant.id,
            legal_business_profile: profile,
            website,
            partner_ids: Vec::new(),
            programs: vec![ProgramRecord {
                program: Program::AiCloudPartnerProgram,
                status: ProgramStatus::Pending,
            }],
            verification: None,
            last_finalized: None,
            csp: None,
            agreements: Vec::new(),
        };
        for kind in [PartnerIdKind::PartnerGlobal, PartnerIdKind::PartnerLocation] {
            let id = w.unused_partner_id(&partner).await?;
            partner.partner_ids.push(PartnerIdRecord {
                partner_id: id,
                kind,
                country: country.clone(),
                status: PartnerIdStatus::Inactive,
            });
        }
        store::profiles::insert_partners(w.c(), sandbox, std::slice::from_ref(&partner)).await?;
        w.verify(&tenant, &mut partner, false).await?;
        w.save_partner(None, &partner).await?;
        let now = w.now;
        w.commit().await?;
        Ok(PartnerState { partner, now })
    }

    /// `update-legal-profile`: a new verification of the changed profile; approvals whose
    /// subject did not change carry over.
    pub async fn update_legal_profile(&self, sandbox: SandboxId, c: ProfileChange) -> Result<PartnerState> {
        let mut w = self.write(sandbox).await?;
        let (_, tenant) = w.actor(&c.actor, LEGAL_EDITORS).await?;
        let mut partner = w.partner(tenant.id).await?;
        let mut profile = partner.legal_business_profile.clone();
        if let Some(n) = c.company_name {
            profile.company_name = n;
        }
        if let Some(a) = c.address {
            profile.address = a;
        }
        if let Some(p) = c.primary_contact {
            profile.primary_contact = p;
        }
        let profile = registration_form(&profile)?;
        if let Some(site) = c.website {
            let site = site.trim();
            partner.website = if site.is_empty() {
                None
            } else {
                Some(domain::profile::text("website", site, 1, 2048)?)
            };
        }
        let state = w.reverify(&tenant, partner, profile).await?;
        w.commit().await?;
        Ok(state)
    }

    /// `resend-verification-email`: a new link; the old one no longer works.
    pub async fn resend_verification_email(&self, sandbox: SandboxId, actor: &UserRef) -> Result<PartnerState> {
        let mut w = self.write(sandbox).await?;
        let (_, tenant) = w.actor(actor, LEGAL_EDITORS).await?;
        let token = w.link_token();
        let state = w
            .change_verification(tenant.id, |v, now| v.resend(token, now).map(|_| ()))
            .await?;
        w.commit().await?;
        Ok(state)
    }

    /// `upload-document`: a document for a rejected employment or company check.
    pub async fn upload_document(&self, sandbox: SandboxId, u: Upload) -> Result<PartnerState> {
        let mut w = self.write(sandbox).await?;
        let (_, tenant) = w.actor(&u.actor, LEGAL_EDITORS).await?;
        let days = w.sandbox.review_business_days;
        let calendar = w.sandbox.business_calendar;
        let state = w
            .change_verification(tenant.id, |v, now| {
                let issued_on = u.issued_on.map(|d| d.on(now.date_naive()));
                v.upload(u.check, u.kind, issued_on, now, days, calendar)
            })
            .await?;
        w.commit().await?;
        Ok(state)
    }

    /// `decide-verification`: forces a check to approved or rejected (a sandbox power).
    pub async fn decide_verification(&self, sandbox: SandboxId, d: Decision) -> Result<PartnerState> {
        let mut w = self.write(sandbox).await?;
        let tenant = decision_tenant(&mut w, d.tenant_id).await?;
        let outcome = match d.outcome {
            Outcome::Approved => CheckState::Approved,
            Outcome::Rejected => CheckState::Rejected,
        };
        let state = w
            .change_verification(tenant, |v, now| v.decide(d.check, outcome, d.reason, now))
            .await?;
        w.commit().await?;
        Ok(state)
    }

    /// Following the link in an email-ownership message. Unknown tokens answer `None`.
    pub async fn follow_email_link(&self, token: &str) -> Result<Option<LinkResult>> {
        let owner = {
            let mut c = self.store.conn().await?;
            store::onboarding::link_owner(&mut c, token).await?
        };
        let Some((sandbox, tenant)) = owner else {
            return Ok(None);
        };
        let mut w = self.write(sandbox).await?;
        let mut partner = w.partner(tenant).await?;
        let company_name = partner.legal_business_profile.company_name.clone();
        let Some(mut v) = partner.verification.clone() else {
            w.commit().await?;
            return Ok(Some(LinkResult {
                outcome: LinkOutcome::AlreadyConfirmed,
                company_name,
            }));
        };
        let before = v.clone();
        let outcome = v.follow_link(token, w.now);
        if v != before {
            partner.record(v);
            w.save_partner(Some(&before), &partner).await?;
        }
        w.commit().await?;
        Ok(Some(LinkResult { outcome, company_name }))
    }

    /// `POST .../registry`: a company in the sandbox's mock public registry.
    pub async fn add_registry_entry(&self, sandbox: SandboxId, spec: RegistrySpec) -> Result<RegistryEntry> {
        let entry = domain::scenario::plan_registry_entry(&spec)?;
        let mut w = self.write(sandbox).await?;
        let n = store::onboarding::registry_count(w.c(), sandbox).await?;
        limits::within("registry", "registry entries", n + 1, limits::MAX_REGISTRY)?;
        store::onboarding::insert_registry(w.c(), sandbox, std::slice::from_ref(&entry)).await?;
        w.commit().await?;
        Ok(entry)
    }

    pub async fn registry(&self, sandbox: SandboxId) -> Result<Vec<RegistryEntry>> {
        let mut c = self.store.conn().await?;
        Ok(store::onboarding::registry(&mut c, sandbox).await?)
    }

    /// One page of the mailbox, newest first, and where the next page starts.
    pub async fn mailbox(
        &self,
        sandbox: SandboxId,
        q: &MailQuery,
    ) -> Result<(Vec<store::onboarding::StoredMail>, Option<i64>)> {
        let mut c = self.store.conn().await?;
        let to = q.to.as_deref().map(str::trim).filter(|t| !t.is_empty());
        Ok(store::onboarding::mailbox(&mut c, sandbox, to, q.before, q.limit).await?)
    }
}

/// The partner a decision is for: named, or the only one of the sandbox still being verified.
async fn decision_tenant(w: &mut Write<'_>, tenant: Option<TenantId>) -> Result<TenantId> {
    let id = w.id();
    if let Some(t) = tenant {
        return match store::world::tenant(w.c(), t).await? {
            Some((s, _)) if s == id => Ok(t),
            _ => Err(CoreError::NotFound {
                what: "tenant",
                id: t.to_string(),
                field: Some("tenantId".into()),
            }),
        };
    }
    let partners = store::profiles::partners(w.c(), id).await?;
    let candidates: Vec<_> = partners
        .iter()
        .filter(|p| {
            p.verification
                .as_ref()
                .is_some_and(|v| v.status() != VettingStatus::Authorized)
        })
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one.tenant_id),
        _ => Err(refused(Refusal::required("tenantId"))),
    }
}

/// The registration form's rules: the profile's limits, and the fields the form marks required
/// (都道府県 and the contact's phone as well as the profile's own).
pub(crate) fn registration_form(p: &LegalBusinessProfile) -> Result<LegalBusinessProfile> {
    let blank = |s: Option<&str>| s.is_none_or(|v| v.trim().is_empty());
    for (field, value) in [
        ("companyName", Some(p.company_name.as_str())),
        ("address.country", Some(p.address.country.as_str())),
        ("address.state", p.address.state.as_deref()),
        ("address.city", Some(p.address.city.as_str())),
        ("address.addressLine1", Some(p.address.address_line1.as_str())),
        ("address.postalCode", Some(p.address.postal_code.as_str())),
        ("primaryContact.firstName", Some(p.primary_contact.first_name.as_str())),
        ("primaryContact.lastName", Some(p.primary_contact.last_name.as_str())),
        ("primaryContact.email", Some(p.primary_contact.email.as_str())),
        ("primaryContact.phoneNumber", p.primary_contact.phone_number.as_deref()),
    ] {
        if blank(value) {
            return Err(refused(Refusal::required(field)));
        }
    }
    Ok(p.validated()?)
}
