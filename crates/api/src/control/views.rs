//! The control plane's wire shapes (DESIGN.md's public contract), built from domain records.

use chrono::SecondsFormat;
use domain::world::{App, Partner, Tenant, User};
use pcsandbox_core::directory::Secrets;
use pcsandbox_core::sandboxes::SandboxState;
use serde::Serialize;

use crate::Urls;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxView {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    pub now: String,
    pub created_at: String,
    /// Base URL for MSAL's authority, without the tenant.
    pub authority: String,
    pub partner_center_url: String,
    /// `enforced` or `off`: whether `/v1` refuses App+User tokens without MFA.
    pub mfa_enforcement: &'static str,
    pub tenants: Vec<TenantView>,
    pub apps: Vec<AppView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantView {
    pub id: String,
    pub domain: String,
    pub verified_domains: Vec<String>,
    pub display_name: String,
    pub country: String,
    pub mfa_technical_exception: bool,
    pub users: Vec<UserView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner: Option<PartnerView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerView {
    pub company_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    pub partner_ids: Vec<domain::partner_id::PartnerIdRecord>,
}

pub fn partner(p: &Partner) -> PartnerView {
    PartnerView {
        company_name: p.legal_business_profile.company_name.clone(),
        website: p.website.clone(),
        partner_ids: p.partner_ids.clone(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: String,
    pub tenant_id: String,
    pub user_principal_name: String,
    pub display_name: String,
    /// Shown when generated (once, in the answer that created the user) or stated by the scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    pub roles: Vec<domain::Role>,
    pub mfa: MfaView,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaView {
    pub state: domain::MfaState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// The same secret as an `otpauth://` URI for authenticator apps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otpauth_uri: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub tenant_id: String,
    pub display_name: String,
    pub redirect_uris: Vec<String>,
    pub public_client: bool,
}

pub fn user(u: &User, secrets: &Secrets) -> UserView {
    let otpauth_uri = u.totp_secret.as_ref().map(|s| {
        format!(
            "otpauth://totp/pcsandbox:{}?secret={s}&issuer=pcsandbox&algorithm=SHA1&digits=6&period=30",
            u.user_principal_name
        )
    });
    UserView {
        id: u.id.to_string(),
        tenant_id: u.tenant_id.to_string(),
        user_principal_name: u.user_principal_name.clone(),
        display_name: u.display_name.clone(),
        password: secrets.get(&u.id.to_string()).cloned(),
        roles: u.roles.clone(),
        mfa: MfaView {
            state: u.mfa,
            totp_secret: u.totp_secret.clone(),
            otpauth_uri,
        },
    }
}

pub fn tenant(t: &Tenant, users: &[User], partners: &[Partner], secrets: &Secrets) -> TenantView {
    TenantView {
        id: t.id.to_string(),
        domain: t.domain.clone(),
        verified_domains: t.verified_domains.clone(),
        display_name: t.display_name.clone(),
        country: t.country.clone(),
        mfa_technical_exception: t.mfa_technical_exception,
        partner: partners.iter().find(|p| p.tenant_id == t.id).map(partner),
        users: users
            .iter()
            .filter(|u| u.tenant_id == t.id)
            .map(|u| user(u, secrets))
            .collect(),
    }
}

pub fn app(a: &App, secrets: &Secrets) -> AppView {
    AppView {
        client_id: a.client_id.to_string(),
        client_secret: secrets.get(&a.client_id.to_string()).cloned(),
        tenant_id: a.tenant_id.to_string(),
        display_name: a.display_name.clone(),
        redirect_uris: a.redirect_uris.clone(),
        public_client: a.public_client,
    }
}

pub fn sandbox(s: &SandboxState, urls: &Urls) -> SandboxView {
    let w = &s.world;
    SandboxView {
        id: s.sandbox.id.to_string(),
        name: s.sandbox.name.clone(),
        scenario: s.sandbox.scenario_name.clone(),
        now: s.now.to_rfc3339_opts(SecondsFormat::Millis, true),
        created_at: s.sandbox.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        authority: urls.authority().to_owned(),
        partner_center_url: urls.partner_center().to_owned(),
        mfa_enforcement: s.sandbox.mfa_enforcement.as_str(),
        tenants: w
            .tenants
            .iter()
            .map(|t| tenant(t, &w.users, &w.partners, &s.secrets))
            .collect(),
        apps: w.apps.iter().map(|a| app(a, &s.secrets)).collect(),
    }
}
