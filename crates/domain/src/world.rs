//! The records of a sandbox's world as they are kept: tenants, users, apps.
//!
//! A sandbox keeps a snapshot of the world its scenario produced (with ids and credential hashes,
//! never plaintext passwords) so that reset restores exactly the same ids and credentials.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::profile::LegalBusinessProfile;
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sandbox {
    pub id: SandboxId,
    pub name: String,
    /// The scenario's name when it came from the catalog.
    pub scenario_name: Option<String>,
    /// Milliseconds the sandbox clock runs ahead of real time; only grows.
    pub clock_offset_ms: i64,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub mfa_enforcement: MfaEnforcement,
}

impl Sandbox {
    /// The sandbox clock for a given real time.
    pub fn now(&self, real_now: DateTime<Utc>) -> DateTime<Utc> {
        real_now + chrono::Duration::milliseconds(self.clock_offset_ms)
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

/// A tenant registered as a Microsoft partner: its legal business profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Partner {
    pub tenant_id: TenantId,
    pub legal_business_profile: LegalBusinessProfile,
    #[serde(default)]
    pub website: Option<String>,
    /// One PartnerGlobal and one PartnerLocation ID.
    #[serde(default)]
    pub partner_ids: Vec<crate::partner_id::PartnerIdRecord>,
}

impl Partner {
    pub fn global_id(&self) -> Option<&crate::partner_id::PartnerIdRecord> {
        self.partner_ids
            .iter()
            .find(|p| p.kind == crate::partner_id::PartnerIdKind::PartnerGlobal)
    }
}

/// Everything a scenario puts into a sandbox.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct World {
    pub tenants: Vec<Tenant>,
    pub users: Vec<User>,
    pub apps: Vec<App>,
    #[serde(default)]
    pub partners: Vec<Partner>,
    #[serde(default)]
    pub mfa_enforcement: MfaEnforcement,
}
