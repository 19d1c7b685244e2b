//! Onboarding use-cases (STEP1 of the onboarding guide): registering a partner, its verification
//! and the remedies for each rejected check, the registry and the mailbox. Each action runs as a
//! user of the sandbox with the portal's role and MFA checks; the control plane and (later) the
//! portal call the same functions.
//!
//! Pending work falls due on the sandbox clock: it is applied when the clock moves, before any
//! action on the partner, and when `/v1` reads a partner whose next deadline has passed.

use chrono::{DateTime, NaiveDate, Utc};
use domain::access::LEGAL_EDITORS;
use domain::mail::{self, Mail};
use domain::message::{Refusal, RefusalKind};
use domain::partner_id::{PartnerIdKind, PartnerIdRecord, PartnerIdStatus};
use domain::profile::{Address, Contact, LegalBusinessProfile};
use domain::program::{Program, ProgramRecord, ProgramStatus};
use domain::registry::RegistryEntry;
use domain::scenario::RegistrySpec;
use domain::verification::{Check, CheckState, DocumentKind, LinkOutcome, Subject, Verification};
use domain::vetting::VettingStatus;
use domain::world::{Partner, Sandbox, Tenant, User, World};
use domain::{MfaState, Role, TenantId, UserId};

use crate::directory::fresh_partner_id;
use crate::error::{CoreError, Result};
use crate::Core;

/// `register-partner`: the company as the registration form asks for it.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub as_user: Option<String>,
    pub tenant_id: Option<String>,
    pub company_name: Option<String>,
    pub address: Option<Address>,
    pub primary_contact: Option<Contact>,
    pub website: Option<String>,
}

/// `update-legal-profile`: the fields to change; the others keep their values.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub as_user: Option<String>,
    pub company_name: Option<String>,
    pub address: Option<Address>,
    pub primary_contact: Option<Contact>,
    pub website: Option<String>,
}

/// `upload-document`.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub as_user: Option<String>,
    pub check: Option<String>,
    pub kind: Option<String>,
    pub issued_on: Option<String>,
}

/// `decide-verification` (a sandbox power: no acting user).
#[derive(Debug, Clone, Default)]
pub struct Decision {
    /// The partner's tenant; may be left out when the sandbox has one partner in verification.
    pub tenant_id: Option<String>,
    pub check: Option<String>,
    pub outcome: Option<String>,
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

pub(crate) fn refused(r: Refusal) -> CoreError {
    CoreError::Refused(r)
}

pub(crate) fn required<T>(v: Option<T>, field: &str) -> Result<T> {
    v.ok_or_else(|| refused(Refusal::required(field)))
}

fn not_a_partner() -> CoreError {
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

fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        refused(
            Refusal::new(
                RefusalKind::Invalid,
                "InvalidDate",
                "日付は YYYY-MM-DD の形式で入力してください。",
                "Enter the date as YYYY-MM-DD.",
            )
            .on(field),
        )
    })
}

impl Core {
    /// The user an action runs as: a user of this sandbox, signed in with MFA (Partner Center
    /// requires it), holding one of `roles`.
    pub(crate) async fn acting_user(
        &self,
        sb: &Sandbox,
        as_user: Option<&str>,
        roles: &[Role],
    ) -> Result<(User, Tenant)> {
        let raw = required(as_user.map(str::trim).filter(|s| !s.is_empty()), "as")?;
        let unknown = || CoreError::NotFound {
            what: "user",
            id: raw.to_owned(),
            field: Some("as".into()),
        };
        let id: UserId = raw.parse().map_err(|_| unknown())?;
        let user = self.store.user(id).await?.ok_or_else(unknown)?;
        let (sandbox, tenant) = self.store.tenant_by_id(user.tenant_id).await?.ok_or_else(unknown)?;
        if sandbox != sb.id {
            return Err(unknown());
        }
        if user.mfa != MfaState::Registered {
            return Err(refused(Refusal::new(
                RefusalKind::Forbidden,
                "MfaRequired",
                "パートナー センターを利用するには多要素認証 (MFA) が必要です。MFA を登録してからサインインしてください。",
                "Partner Center requires multifactor authentication (MFA). Register MFA, then sign in.",
            )));
        }
        if !user.roles.iter().any(|r| roles.contains(r)) {
            return Err(refused(if roles == [Role::GlobalAdmin] {
                Refusal::new(
                    RefusalKind::Forbidden,
                    "GlobalAdminRequired",
                    "この操作を行うには、グローバル管理者のロールが必要です。",
                    "You need the Global admin role to do this.",
                )
            } else {
                let (ja, en): (Vec<&str>, Vec<&str>) = roles.iter().map(|r| role_names(*r)).unzip();
                Refusal::new(
                    RefusalKind::Forbidden,
                    "RoleRequired",
                    format!("この操作を行うには、{}のロールが必要です。", ja.join("または")),
                    format!("You need the {} role to do this.", en.join(" or ")),
                )
            }));
        }
        Ok((user, tenant))
    }

    /// Files a message in the sandbox mailbox.
    pub(crate) async fn send(&self, tx: &mut store::Tx, sb: &Sandbox, m: &Mail, now: DateTime<Utc>) -> Result<()> {
        store::onboarding::insert_mail(tx, sb.id, &self.random.uuid().to_string(), m, now).await?;
        Ok(())
    }

    fn link_token(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.random.bytes(24))
    }

    /// Stores a partner's new state and sends what it calls for: the email-ownership link when a
    /// new one was issued, the result when the verification finished.
    pub(crate) async fn save(
        &self,
        tx: &mut store::Tx,
        sb: &Sandbox,
        before: Option<&Verification>,
        partner: &Partner,
        base_url: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        store::profiles::save_partner(tx, partner).await?;
        let Some(v) = &partner.verification else { return Ok(()) };
        let company = &partner.legal_business_profile.company_name;
        let new_link = v
            .link_to_send()
            .filter(|l| before.and_then(|b| b.link.as_ref()).map(|b| &b.token) != Some(&l.token));
        if let Some(l) = new_link {
            store::onboarding::insert_link(tx, sb.id, partner.tenant_id, &l.token).await?;
            let m = mail::verification_email(company, &l.to, &email_link_url(base_url, &l.token), l.expires_at);
            self.send(tx, sb, &m, now).await?;
        }
        let was = before.map(|b| (b.version, b.status()));
        if was != Some((v.version, v.status())) {
            if let Some(m) = mail::verification_result(company, &v.contact_email, v, base_url) {
                self.send(tx, sb, &m, now).await?;
            }
        }
        Ok(())
    }

    /// Applies what fell due by `now` to every partner of the sandbox (in the caller's transaction).
    pub(crate) async fn settle_partners(&self, tx: &mut store::Tx, sb: &Sandbox, now: DateTime<Utc>) -> Result<bool> {
        let mut changed = false;
        for mut p in store::profiles::partners_for_update(tx, sb.id).await? {
            let Some(mut v) = p.verification.clone() else { continue };
            let before = v.clone();
            if v.settle(now) {
                p.record(v);
                self.save(tx, sb, Some(&before), &p, "", now).await?;
                changed = true;
            }
        }
        Ok(changed)
    }

    /// Settles a partner whose deadline passed before `/v1` shows it (reads stay pure otherwise).
    pub(crate) async fn settle_if_due(&self, tenant: TenantId, partner: &Partner) -> Result<bool> {
        let Some(due) = partner.verification.as_ref().and_then(Verification::next_due) else {
            return Ok(false);
        };
        let Some((sid, _)) = self.store.tenant_by_id(tenant).await? else {
            return Ok(false);
        };
        let sb = self.find_sandbox(&sid.to_string()).await?;
        let now = self.sandbox_now(&sb);
        if due > now {
            return Ok(false);
        }
        let mut tx = self.store.begin().await?;
        let changed = self.settle_partners(&mut tx, &sb, now).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        if changed {
            self.changed();
        }
        Ok(changed)
    }

    /// The partner an action concerns, read in the write transaction and settled to `now`.
    pub(crate) async fn partner_for_action(
        &self,
        tx: &mut store::Tx,
        sb: &Sandbox,
        tenant: TenantId,
        now: DateTime<Utc>,
    ) -> Result<Partner> {
        self.settle_partners(tx, sb, now).await?;
        store::profiles::partner_for_update(tx, tenant)
            .await?
            .map(|(p, _)| p)
            .ok_or_else(not_a_partner)
    }

    /// Starts (or restarts) the partner's verification of its current legal profile. A profile
    /// update carries over approvals whose subject did not change; a program enrollment
    /// (`fresh`) verifies everything again.
    pub(crate) async fn verify(
        &self,
        tx: &mut store::Tx,
        sb: &Sandbox,
        tenant: &Tenant,
        partner: &mut Partner,
        now: DateTime<Utc>,
        fresh: bool,
    ) -> Result<()> {
        let registry = store::onboarding::registry_for_update(tx, sb.id).await?;
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
            now,
            self.link_token(),
        );
        partner.record(v);
        Ok(())
    }

    /// `register-partner`: the partner account, its PartnerGlobal and PartnerLocation IDs (inactive),
    /// the AI Cloud Partner Program (pending), and the start of verification.
    pub async fn register_partner(&self, sandbox: &str, r: Registration, base_url: &str) -> Result<PartnerState> {
        let sb = self.find_sandbox(sandbox).await?;
        let (_, user_tenant) = self
            .acting_user(&sb, r.as_user.as_deref(), &[Role::GlobalAdmin])
            .await?;
        if let Some(t) = r.tenant_id.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            if !t.eq_ignore_ascii_case(&user_tenant.id.to_string()) {
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
        }
        let profile = LegalBusinessProfile {
            company_name: required(r.company_name, "companyName")?,
            address: required(r.address, "address")?,
            primary_contact: required(r.primary_contact, "primaryContact")?,
            company_approver_address: None,
            company_approver_email: None,
        };
        let profile = registration_form(&profile)?;
        let website = r
            .website
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(|w| domain::profile::text("website", w, 1, 2048))
            .transpose()?;
        let now = self.sandbox_now(&sb);
        let mut tx = self.store.begin().await?;
        if store::profiles::partner_for_update(&mut tx, user_tenant.id)
            .await?
            .is_some()
        {
            return Err(refused(Refusal::new(
                RefusalKind::Conflict,
                "AlreadyRegistered",
                "この組織アカウントは既にパートナー アカウントに登録されています。",
                "This organization is already registered as a partner.",
            )));
        }
        let country = profile.address.country.clone();
        let mut partner = Partner {
            tenant_id: user_tenant.id,
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
            let id = self.unused_partner_id(&mut tx, &sb, &partner).await?;
            partner.partner_ids.push(PartnerIdRecord {
                partner_id: id,
                kind,
                country: country.clone(),
                status: PartnerIdStatus::Inactive,
            });
        }
        store::profiles::insert_partner(&mut tx, sb.id, &partner).await?;
        self.verify(&mut tx, &sb, &user_tenant, &mut partner, now, false)
            .await?;
        self.save(&mut tx, &sb, None, &partner, base_url, now).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        self.changed();
        Ok(PartnerState { partner, now })
    }

    async fn unused_partner_id(
        &self,
        tx: &mut store::Tx,
        sb: &Sandbox,
        partner: &Partner,
    ) -> Result<domain::PartnerId> {
        let world = World {
            partners: vec![partner.clone()],
            ..World::default()
        };
        loop {
            let id = fresh_partner_id(self.random.as_ref(), &world);
            if !store::profiles::partner_id_taken(tx, sb.id, id).await? {
                return Ok(id);
            }
        }
    }

    /// `update-legal-profile` (and `PUT /v1/profiles/legalbusiness`): a new verification of the
    /// changed profile; approvals whose subject did not change carry over.
    pub async fn update_legal_profile(&self, sandbox: &str, c: ProfileChange, base_url: &str) -> Result<PartnerState> {
        let sb = self.find_sandbox(sandbox).await?;
        let (_, tenant) = self.acting_user(&sb, c.as_user.as_deref(), LEGAL_EDITORS).await?;
        let now = self.sandbox_now(&sb);
        let mut tx = self.store.begin().await?;
        let mut partner = self.partner_for_action(&mut tx, &sb, tenant.id, now).await?;
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
        if let Some(w) = c.website {
            let w = w.trim();
            partner.website = if w.is_empty() {
                None
            } else {
                Some(domain::profile::text("website", w, 1, 2048)?)
            };
        }
        let state = self
            .reverify(&mut tx, &sb, &tenant, partner, profile, base_url, now)
            .await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        self.changed();
        Ok(state)
    }

    /// Replaces the legal profile and verifies it again (the shared tail of both update paths).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn reverify(
        &self,
        tx: &mut store::Tx,
        sb: &Sandbox,
        tenant: &Tenant,
        mut partner: Partner,
        profile: LegalBusinessProfile,
        base_url: &str,
        now: DateTime<Utc>,
    ) -> Result<PartnerState> {
        let before = partner.verification.clone();
        partner.legal_business_profile = profile;
        self.verify(tx, sb, tenant, &mut partner, now, false).await?;
        self.save(tx, sb, before.as_ref(), &partner, base_url, now).await?;
        Ok(PartnerState { partner, now })
    }

    /// `resend-verification-email`: a new link; the old one no longer works.
    pub async fn resend_verification_email(
        &self,
        sandbox: &str,
        as_user: Option<&str>,
        base_url: &str,
    ) -> Result<PartnerState> {
        let sb = self.find_sandbox(sandbox).await?;
        let (_, tenant) = self.acting_user(&sb, as_user, LEGAL_EDITORS).await?;
        let now = self.sandbox_now(&sb);
        let token = self.link_token();
        self.change_verification(&sb, tenant.id, base_url, now, |v| v.resend(token, now).map(|_| ()))
            .await
    }

    /// `upload-document`: a document for a rejected employment or company check.
    pub async fn upload_document(&self, sandbox: &str, u: Upload, base_url: &str) -> Result<PartnerState> {
        let sb = self.find_sandbox(sandbox).await?;
        let (_, tenant) = self.acting_user(&sb, u.as_user.as_deref(), LEGAL_EDITORS).await?;
        let check = parse_check(required(u.check, "check")?.as_str())?;
        let raw_kind = required(u.kind, "kind")?;
        let kind = DocumentKind::parse(&raw_kind).ok_or_else(|| {
            refused(
                Refusal::new(
                    RefusalKind::Invalid,
                    "UnknownDocumentKind",
                    "書類の種類は domain-ownership か registry-certificate を指定してください。",
                    "The document kind is domain-ownership or registry-certificate.",
                )
                .on("kind"),
            )
        })?;
        let issued_on = u
            .issued_on
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_date("issuedOn", s))
            .transpose()?;
        let now = self.sandbox_now(&sb);
        let days = sb.review_business_days;
        self.change_verification(&sb, tenant.id, base_url, now, |v| {
            v.upload(check, kind, issued_on, now, days)
        })
        .await
    }

    /// `decide-verification`: forces a check to approved or rejected (a sandbox power).
    pub async fn decide_verification(&self, sandbox: &str, d: Decision, base_url: &str) -> Result<PartnerState> {
        let sb = self.find_sandbox(sandbox).await?;
        let check = parse_check(required(d.check, "check")?.as_str())?;
        let raw = required(d.outcome, "outcome")?;
        let outcome = CheckState::parse(&raw)
            .filter(|o| *o != CheckState::Pending)
            .ok_or_else(|| {
                refused(
                    Refusal::new(
                        RefusalKind::Invalid,
                        "InvalidOutcome",
                        "結果には approved か rejected を指定してください。",
                        "The outcome is approved or rejected.",
                    )
                    .on("outcome"),
                )
            })?;
        let now = self.sandbox_now(&sb);
        let tenant = self.decision_tenant(&sb, d.tenant_id.as_deref()).await?;
        let reason = d.reason;
        self.change_verification(&sb, tenant, base_url, now, |v| v.decide(check, outcome, reason, now))
            .await
    }

    /// The partner a decision is for: named, or the only one of the sandbox still being verified.
    async fn decision_tenant(&self, sb: &Sandbox, tenant: Option<&str>) -> Result<TenantId> {
        if let Some(raw) = tenant.map(str::trim).filter(|t| !t.is_empty()) {
            let unknown = || CoreError::NotFound {
                what: "tenant",
                id: raw.to_owned(),
                field: Some("tenantId".into()),
            };
            let id: TenantId = raw.parse().map_err(|_| unknown())?;
            return match self.store.tenant_by_id(id).await? {
                Some((s, _)) if s == sb.id => Ok(id),
                _ => Err(unknown()),
            };
        }
        let world = self.store.world(sb.id).await?;
        let candidates: Vec<_> = world
            .partners
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

    /// Runs one verification transition on a partner, in one transaction.
    async fn change_verification(
        &self,
        sb: &Sandbox,
        tenant: TenantId,
        base_url: &str,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut Verification) -> std::result::Result<(), Refusal>,
    ) -> Result<PartnerState> {
        let mut tx = self.store.begin().await?;
        let mut partner = self.partner_for_action(&mut tx, sb, tenant, now).await?;
        let before = partner.verification.clone();
        let mut v = before.clone().ok_or_else(|| {
            refused(Refusal::new(
                RefusalKind::Conflict,
                "NoVerification",
                "このパートナーの確認は既に完了しています。",
                "This partner's verification is already complete.",
            ))
        })?;
        change(&mut v).map_err(refused)?;
        partner.record(v);
        self.save(&mut tx, sb, before.as_ref(), &partner, base_url, now).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        self.changed();
        Ok(PartnerState { partner, now })
    }

    /// Following the link in an email-ownership message. Unknown tokens answer `None`.
    pub async fn follow_email_link(&self, token: &str) -> Result<Option<LinkResult>> {
        let Some((sid, tenant)) = self.store.link_owner(token).await? else {
            return Ok(None);
        };
        let sb = self.find_sandbox(&sid.to_string()).await?;
        let now = self.sandbox_now(&sb);
        let mut tx = self.store.begin().await?;
        let mut partner = self.partner_for_action(&mut tx, &sb, tenant, now).await?;
        let company_name = partner.legal_business_profile.company_name.clone();
        let Some(mut v) = partner.verification.clone() else {
            return Ok(Some(LinkResult {
                outcome: LinkOutcome::AlreadyConfirmed,
                company_name,
            }));
        };
        let before = v.clone();
        let outcome = v.follow_link(token, now);
        if v != before {
            partner.record(v);
            self.save(&mut tx, &sb, Some(&before), &partner, "", now).await?;
            tx.commit().await.map_err(store::StoreError::from)?;
            self.changed();
        }
        Ok(Some(LinkResult { outcome, company_name }))
    }

    /// `POST .../registry`: a company in the sandbox's mock public registry.
    pub async fn add_registry_entry(&self, sandbox: &str, spec: RegistrySpec) -> Result<RegistryEntry> {
        let sb = self.find_sandbox(sandbox).await?;
        let entry = domain::scenario::plan_registry_entry(&spec)?;
        let mut tx = self.store.begin().await?;
        store::onboarding::insert_registry_entry(&mut tx, sb.id, &entry).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(entry)
    }

    pub async fn registry(&self, sandbox: &str) -> Result<Vec<RegistryEntry>> {
        let sb = self.find_sandbox(sandbox).await?;
        Ok(self.store.registry(sb.id).await?)
    }

    pub async fn mailbox(&self, sandbox: &str, to: Option<&str>) -> Result<Vec<store::onboarding::StoredMail>> {
        let sb = self.find_sandbox(sandbox).await?;
        let to = to.map(str::trim).filter(|t| !t.is_empty());
        Ok(self.store.mailbox(sb.id, to).await?)
    }

    /// `PATCH` of the sandbox's review time.
    pub async fn set_review_business_days(&self, sandbox: &str, days: u32) -> Result<()> {
        let sb = self.find_sandbox(sandbox).await?;
        let days = domain::scenario::review_business_days("reviewBusinessDays", days)?;
        let mut tx = self.store.begin().await?;
        store::sandboxes::set_review_business_days(&mut tx, sb.id, days).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        self.changed();
        Ok(())
    }
}

/// A role as the portal names it (ja-JP, en-US).
fn role_names(r: Role) -> (&'static str, &'static str) {
    match r {
        Role::GlobalAdmin => ("グローバル管理者", "Global admin"),
        Role::AccountAdmin => ("アカウント管理者", "Account admin"),
        Role::UserManagementAdmin => ("ユーザー管理の管理者", "User management admin"),
        Role::BillingAdmin => ("課金管理者", "Billing admin"),
        Role::AdminAgent => ("管理エージェント", "Admin agent"),
        Role::SalesAgent => ("販売エージェント", "Sales agent"),
        Role::HelpdeskAgent => ("ヘルプデスク エージェント", "Helpdesk agent"),
        Role::ReferralsAdmin => ("紹介管理者", "Referrals admin"),
        Role::ReportViewer => ("レポート閲覧者", "Report viewer"),
    }
}

fn parse_check(raw: &str) -> Result<Check> {
    Check::parse(raw).ok_or_else(|| {
        refused(
            Refusal::new(
                RefusalKind::Invalid,
                "UnknownCheck",
                "確認の種類は emailOwnership、employment、company のいずれかを指定してください。",
                "The check is emailOwnership, employment or company.",
            )
            .on("check"),
        )
    })
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
