//! The records of a sandbox's world as they are kept: tenants, users, apps.
//!
//! A sandbox keeps a snapshot of the world its scenario produced (with ids and credential hashes,
//! never plaintext passwords) so that reset restores exactly the same ids and credentials.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::csp::{AgreementAcceptance, CspAccount, PartnerAgreementType};
use crate::partner_id::{PartnerIdKind, PartnerIdRecord, PartnerIdStatus};
use crate::profile::LegalBusinessProfile;
use crate::program::{Program, ProgramRecord, ProgramStatus};
use crate::registry::RegistryEntry;
use crate::verification::Verification;
use crate::vetting::{VettingStatus, VettingSubStatus, VettingVersion};
use crate::{AppId, MfaState, Role, SandboxId, TenantId, UserId};

/// Whether a sandbox's Partner Center API refuses App+User tokens without MFA. The real service
/// enforces it; `off` lets a test of older behaviour through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MfaEnforcement {
    #[default]
    Enforced,
    Off,
}

impl MfaEnforcement {
    pub fn as_str(self) -> &'static str {
        match self {
            MfaEnforcement::Enforced => "enforced",
            MfaEnforcement::Off => "off",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "enforced" => Some(Self::Enforced),
            "off" => Some(Self::Off),
            _ => None,
        }
    }
}

/// Whether wrong passwords and codes lock accounts ([`crate::lockout`]). `off` is for load tests
/// that sign in far more often than a person would.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignInLockout {
    #[default]
    On,
    Off,
}

impl SignInLockout {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInLockout::On => "on",
            SignInLockout::Off => "off",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "on" => Some(Self::On),
            "off" => Some(Self::Off),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sandbox {
    pub id: SandboxId,
    pub name: String,
    /// The scenario's name when it came from the catalog.
    pub scenario_name: Option<String>,
    /// Milliseconds the sandbox clock runs ahead of real time (behind it, negative, for a
    /// sandbox started in the past); only grows.
    pub clock_offset_ms: i64,
    /// The instant the sandbox clock started at (`startAt`) and goes back to on a reset; none
    /// when it started at real time.
    #[serde(default)]
    pub start_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub mfa_enforcement: MfaEnforcement,
    /// Business days a document review takes.
    #[serde(default = "default_review_days")]
    pub review_business_days: u32,
    #[serde(default)]
    pub sign_in_lockout: SignInLockout,
    /// The team whose key made it (a shared server); none when made with the admin key or on
    /// an open loopback server.
    #[serde(default)]
    pub team: Option<String>,
    /// Which days count as business days (reviews, `{"businessDays": n}` moves).
    #[serde(default)]
    pub business_calendar: crate::calendar::BusinessCalendar,
}

impl Sandbox {
    /// The sandbox clock for a given real time.
    pub fn now(&self, real_now: DateTime<Utc>) -> DateTime<Utc> {
        crate::clock::shifted(real_now, self.clock_offset_ms)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: TenantId,
    pub display_name: String,
    /// The initial `*.onmicrosoft.com` domain.
    pub domain: String,
    pub verified_domains: Vec<String>,
    pub country: String,
    /// A technical exception lifts the Partner Center MFA requirement for the tenant's users.
    #[serde(default)]
    pub mfa_technical_exception: bool,
}

impl Tenant {
    pub fn all_domains(&self) -> Vec<String> {
        std::iter::once(self.domain.clone())
            .chain(self.verified_domains.iter().cloned())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub user_principal_name: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub mfa: MfaState,
    pub totp_secret: Option<String>,
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub client_id: AppId,
    pub tenant_id: TenantId,
    pub display_name: String,
    pub redirect_uris: Vec<String>,
    pub public_client: bool,
    pub secret_hash: Option<String>,
}

/// A tenant registered as a Microsoft partner: its legal business profile, partner IDs, programs
/// and verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Partner {
    pub tenant_id: TenantId,
    pub legal_business_profile: LegalBusinessProfile,
    #[serde(default)]
    pub website: Option<String>,
    /// One PartnerGlobal and one PartnerLocation ID.
    #[serde(default)]
    pub partner_ids: Vec<PartnerIdRecord>,
    #[serde(default)]
    pub programs: Vec<ProgramRecord>,
    /// The verification in progress or last run. `None` for a partner a scenario declared
    /// verified: its IDs say whether it is.
    #[serde(default)]
    pub verification: Option<Verification>,
    /// The last verification that finished (authorized or rejected), as it finished.
    #[serde(default)]
    pub last_finalized: Option<Verification>,
    /// The CSP indirect reseller account, once enrolled.
    #[serde(default)]
    pub csp: Option<CspAccount>,
    /// Agreements accepted (the Microsoft Partner Agreement).
    #[serde(default)]
    pub agreements: Vec<AgreementAcceptance>,
}

impl Partner {
    pub fn global_id(&self) -> Option<&PartnerIdRecord> {
        self.partner_ids.iter().find(|p| p.kind == PartnerIdKind::PartnerGlobal)
    }

    /// A partner a scenario declared verified (no verification of its own).
    fn declared_verified(&self) -> bool {
        !self.partner_ids.is_empty() && self.partner_ids.iter().all(|p| p.status == PartnerIdStatus::Active)
    }

    /// `vettingStatus` and `vettingSubStatus` as `GET /v1/profiles/legalbusiness` shows them.
    pub fn vetting(&self, version: VettingVersion) -> (VettingStatus, VettingSubStatus) {
        let of = |v: &Verification| (v.status(), v.sub_status());
        let declared = self
            .declared_verified()
            .then_some((VettingStatus::Authorized, VettingSubStatus::None));
        match version {
            VettingVersion::None => (VettingStatus::None, VettingSubStatus::None),
            VettingVersion::Current => self
                .verification
                .as_ref()
                .map(of)
                .or(declared)
                .unwrap_or((VettingStatus::Pending, VettingSubStatus::Entry)),
            VettingVersion::LastFinalized => self
                .last_finalized
                .as_ref()
                .map(of)
                .or(declared)
                .unwrap_or((VettingStatus::None, VettingSubStatus::None)),
        }
    }

    /// Replaces the verification with its next state. When it finishes, it becomes the last
    /// finalized one; when it is authorized, the partner IDs and the AI Cloud Partner Program
    /// become active (and stay so through later re-verifications).
    pub fn record(&mut self, v: Verification) {
        let before = self.verification.as_ref().map(|v| (v.version, v.status()));
        let after = v.status();
        let finished = matches!(after, VettingStatus::Authorized | VettingStatus::Rejected);
        if finished && before != Some((v.version, after)) {
            self.last_finalized = Some(v.clone());
        }
        if after == VettingStatus::Authorized {
            for id in &mut self.partner_ids {
                id.status = PartnerIdStatus::Active;
            }
            self.set_program(Program::AiCloudPartnerProgram, ProgramStatus::Active);
        }
        self.verification = Some(v);
        self.refresh_reseller();
    }

    /// The profile is authorized now (a declared partner is).
    pub fn authorized(&self) -> bool {
        self.vetting(VettingVersion::Current).0 == VettingStatus::Authorized
    }

    pub fn accepted(&self, t: PartnerAgreementType) -> Option<&AgreementAcceptance> {
        self.agreements.iter().find(|a| a.agreement_type == t)
    }

    /// Records an accepted agreement; the indirect reseller becomes active with the MPA.
    pub fn accept(&mut self, a: AgreementAcceptance) {
        self.agreements.push(a);
        self.refresh_reseller();
    }

    /// An accepted agreement lapses (a sandbox power, for QA): it is no longer accepted, and an
    /// indirect reseller that needs it is pending again. Whether there was one.
    pub fn lapse(&mut self, t: PartnerAgreementType) -> bool {
        let before = self.agreements.len();
        self.agreements.retain(|a| a.agreement_type != t);
        if self.agreements.len() == before {
            return false;
        }
        if self.csp.is_some() && t == PartnerAgreementType::MicrosoftPartnerAgreement {
            self.set_program(Program::CspIndirectReseller, ProgramStatus::Pending);
        }
        true
    }

    /// 間接リセラーの状態: active once the profile was authorized and the MPA accepted (both
    /// needed; it stays active through later re-verifications), pending before.
    fn refresh_reseller(&mut self) {
        if self.csp.is_none() {
            return;
        }
        let active = self.program(Program::CspIndirectReseller) == Some(ProgramStatus::Active)
            || (self.authorized() && self.accepted(PartnerAgreementType::MicrosoftPartnerAgreement).is_some());
        let status = if active {
            ProgramStatus::Active
        } else {
            ProgramStatus::Pending
        };
        self.set_program(Program::CspIndirectReseller, status);
    }

    /// The associated PartnerLocation ID can be put on record: the reseller is active.
    pub fn can_transact(&self) -> bool {
        self.csp.is_some() && self.program(Program::CspIndirectReseller) == Some(ProgramStatus::Active)
    }

    pub fn program(&self, p: Program) -> Option<ProgramStatus> {
        self.programs.iter().find(|r| r.program == p).map(|r| r.status)
    }

    pub fn set_program(&mut self, program: Program, status: ProgramStatus) {
        match self.programs.iter_mut().find(|r| r.program == program) {
            Some(r) => r.status = status,
            None => self.programs.push(ProgramRecord { program, status }),
        }
    }
}

/// Everything a scenario puts into a sandbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct World {
    pub tenants: Vec<Tenant>,
    pub users: Vec<User>,
    pub apps: Vec<App>,
    #[serde(default)]
    pub partners: Vec<Partner>,
    #[serde(default)]
    pub mfa_enforcement: MfaEnforcement,
    /// The sandbox's mock public company registry.
    #[serde(default)]
    pub registry: Vec<RegistryEntry>,
    /// Business days a document review takes.
    #[serde(default = "default_review_days")]
    pub review_business_days: u32,
    /// Which days count as business days.
    #[serde(default)]
    pub business_calendar: crate::calendar::BusinessCalendar,
    /// Products the scenario adds to the built-in catalog.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub catalog: Vec<crate::catalog::Product>,
}

fn default_review_days() -> u32 {
    crate::verification::DEFAULT_REVIEW_BUSINESS_DAYS
}

impl Default for World {
    fn default() -> World {
        World {
            tenants: Vec::new(),
            users: Vec::new(),
            apps: Vec::new(),
            partners: Vec::new(),
            mfa_enforcement: MfaEnforcement::default(),
            registry: Vec::new(),
            review_business_days: default_review_days(),
            business_calendar: Default::default(),
            catalog: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::partner_id::PartnerId;
    use crate::verification::{Check, CheckState, Subject};

    fn partner() -> Partner {
        Partner {
            tenant_id: TenantId(uuid::Uuid::nil()),
            legal_business_profile: LegalBusinessProfile {
                company_name: "Fabrikam".into(),
                primary_contact: crate::profile::Contact {
                    email: "a@fabrikam.co.jp".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
            website: Some("https://fabrikam.co.jp".into()),
            partner_ids: [PartnerIdKind::PartnerGlobal, PartnerIdKind::PartnerLocation]
                .into_iter()
                .enumerate()
                .map(|(i, kind)| PartnerIdRecord {
                    partner_id: PartnerId::from_random(i as u32),
                    kind,
                    country: "JP".into(),
                    status: PartnerIdStatus::Inactive,
                })
                .collect(),
            programs: vec![ProgramRecord {
                program: Program::AiCloudPartnerProgram,
                status: ProgramStatus::Pending,
            }],
            verification: None,
            last_finalized: None,
            csp: None,
            agreements: Vec::new(),
        }
    }

    #[test]
    fn authorization_activates_ids_and_program_and_is_the_last_finalized() {
        let mut p = partner();
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        let v = Verification::start(
            1,
            &Subject {
                profile: &p.legal_business_profile,
                website: p.website.as_deref(),
                verified_domains: &[],
                registry: &[],
            },
            None,
            now,
            "t".into(),
        );
        p.record(v.clone());
        assert_eq!(p.vetting(VettingVersion::Current).0, VettingStatus::Rejected);
        assert_eq!(p.vetting(VettingVersion::LastFinalized).0, VettingStatus::Rejected);
        assert!(p.partner_ids.iter().all(|i| i.status == PartnerIdStatus::Inactive));

        let mut fixed = v;
        fixed.decide(Check::Company, CheckState::Approved, None, now).unwrap();
        p.record(fixed.clone());
        assert_eq!(
            p.vetting(VettingVersion::Current),
            (VettingStatus::Pending, VettingSubStatus::EmailOwnership)
        );
        assert_eq!(p.vetting(VettingVersion::LastFinalized).0, VettingStatus::Rejected);
        fixed.follow_link("t", now);
        p.record(fixed);
        assert_eq!(p.vetting(VettingVersion::Current).0, VettingStatus::Authorized);
        assert_eq!(p.vetting(VettingVersion::LastFinalized).0, VettingStatus::Authorized);
        assert!(p.partner_ids.iter().all(|i| i.status == PartnerIdStatus::Active));
        assert_eq!(p.program(Program::AiCloudPartnerProgram), Some(ProgramStatus::Active));
        assert_eq!(
            p.vetting(VettingVersion::None),
            (VettingStatus::None, VettingSubStatus::None)
        );
    }

    #[test]
    fn the_reseller_is_active_with_an_authorized_profile_and_the_mpa_and_stays_so() {
        use crate::csp::{AgreementAcceptance, CspAccount, PartnerAgreementType, SupportProfile};
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        let mut p = partner();
        let location = p.partner_ids[1].partner_id;
        p.csp = Some(CspAccount {
            partner_id: location,
            location_tenant_id: p.tenant_id,
            country: "JP".into(),
            support: SupportProfile {
                website: "https://fabrikam.co.jp".into(),
                email: "a@fabrikam.co.jp".into(),
                phone: None,
            },
            enrolled_at: now,
        });
        let subject = |p: &Partner| {
            Verification::start(
                2,
                &Subject {
                    profile: &p.legal_business_profile,
                    website: p.website.as_deref(),
                    verified_domains: &[],
                    registry: &[],
                },
                None,
                now,
                "t2".into(),
            )
        };
        let mut v = subject(&p);
        p.record(v.clone());
        assert_eq!(p.program(Program::CspIndirectReseller), Some(ProgramStatus::Pending));
        assert!(!p.can_transact());
        v.decide(Check::Company, CheckState::Approved, None, now).unwrap();
        v.follow_link("t2", now);
        p.record(v);
        assert!(p.authorized());
        assert_eq!(
            p.program(Program::CspIndirectReseller),
            Some(ProgramStatus::Pending),
            "an authorized profile alone is not enough"
        );
        p.accept(AgreementAcceptance {
            agreement_type: PartnerAgreementType::MicrosoftPartnerAgreement,
            accepted_at: now,
            accepted_by: crate::UserId(uuid::Uuid::nil()),
            accepted_by_upn: "admin@fabrikamjp.onmicrosoft.com".into(),
        });
        assert_eq!(p.program(Program::CspIndirectReseller), Some(ProgramStatus::Active));
        assert!(p.can_transact());
        // A later re-verification keeps the reseller active.
        p.record(subject(&p));
        assert!(!p.authorized());
        assert!(p.can_transact());
    }

    #[test]
    fn a_declared_partner_is_as_verified_as_its_ids() {
        let mut p = partner();
        assert_eq!(
            p.vetting(VettingVersion::Current),
            (VettingStatus::Pending, VettingSubStatus::Entry)
        );
        assert_eq!(p.vetting(VettingVersion::LastFinalized).0, VettingStatus::None);
        for id in &mut p.partner_ids {
            id.status = PartnerIdStatus::Active;
        }
        assert_eq!(p.vetting(VettingVersion::Current).0, VettingStatus::Authorized);
        assert_eq!(p.vetting(VettingVersion::LastFinalized).0, VettingStatus::Authorized);
    }
}
