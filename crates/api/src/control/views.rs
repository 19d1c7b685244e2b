//! The control plane's wire shapes (DESIGN.md's public contract), built from domain records.

use chrono::SecondsFormat;
use domain::message::Text;
use domain::verification::{Check, CheckState, Verification};
use domain::vetting::VettingVersion;
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
    /// The instant the clock started at and goes back to on a reset, when the sandbox was given
    /// one (`startAt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_at: Option<String>,
    pub created_at: String,
    /// Why the sandbox's world cannot be read (rows an older server's import let in): it is
    /// listed with no tenants or apps and this reason; deleting it removes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
    /// Base URL for MSAL's authority, without the tenant.
    pub authority: String,
    pub partner_center_url: String,
    /// `enforced` or `off`: whether `/v1` refuses App+User tokens without MFA.
    pub mfa_enforcement: &'static str,
    /// Business days a verification document review takes.
    pub review_business_days: u32,
    /// `weekends` or `JP`: which days count as business days.
    pub business_calendar: &'static str,
    /// `on` or `off`: whether wrong passwords and codes lock accounts.
    pub sign_in_lockout: &'static str,
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
    pub tenant_id: String,
    pub company_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    pub partner_ids: Vec<domain::partner_id::PartnerIdRecord>,
    pub programs: Vec<ProgramView>,
    pub verification: VerificationView,
    /// The CSP indirect reseller account, once enrolled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csp: Option<CspView>,
    /// Accepted agreements (アカウント設定 > 契約).
    pub agreements: Vec<AgreementView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CspView {
    /// The associated PartnerLocation ID (識別子 > CSP).
    pub partner_id: String,
    pub location_tenant_id: String,
    pub country: String,
    pub support: domain::csp::SupportProfile,
    pub enrolled_at: String,
    /// The associated ID can be put on record (the reseller is active).
    pub can_transact: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgreementView {
    pub agreement_type: &'static str,
    pub program: &'static str,
    pub accepted_at: String,
    pub accepted_by: String,
    pub accepted_by_upn: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramView {
    pub program: &'static str,
    pub status: &'static str,
    pub label: Text,
    pub status_label: Text,
    /// The line プログラム情報 shows, e.g. 「間接リセラーの状態 アクティブ」.
    pub status_line: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationView {
    /// `pending`, `authorized` or `rejected` (the legal profile's `vettingStatus`).
    pub status: &'static str,
    pub label: Text,
    /// The legal profile's `vettingSubStatus`: the step it waits on or stopped at.
    pub vetting_sub_status: &'static str,
    /// 1 for the first verification, +1 for each profile update; 0 for a partner declared verified.
    pub version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    pub checks: ChecksView,
    /// The last verification that finished, when it differs from this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_finalized: Option<FinalizedView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FinalizedView {
    pub version: u32,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChecksView {
    pub email_ownership: CheckView,
    pub employment: CheckView,
    pub company: CheckView,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    /// `pending`, `approved` or `rejected`.
    pub state: &'static str,
    /// 保留中 / 承認済み / 拒否 and their English.
    pub label: Text,
    pub name: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReasonView>,
    /// While a document is in review: when the review finishes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_due: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<domain::verification::Document>,
    /// Email ownership only: where the current link went and until when it works.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_sent_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_expires_at: Option<String>,
}

#[derive(Serialize)]
pub struct ReasonView {
    pub code: &'static str,
    #[serde(flatten)]
    pub text: Text,
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn check_view(v: Option<&Verification>, c: Check) -> CheckView {
    let Some(v) = v else {
        return CheckView {
            state: CheckState::Approved.wire(),
            label: CheckState::Approved.label(),
            name: c.label(),
            reason: None,
            review_due: None,
            documents: Vec::new(),
            link_sent_to: None,
            link_expires_at: None,
        };
    };
    let r = v.check(c);
    let link = (c == Check::EmailOwnership).then_some(v.link_to_send()).flatten();
    CheckView {
        state: r.state.wire(),
        label: r.state.label(),
        name: c.label(),
        reason: r.reason.as_ref().map(|x| ReasonView {
            code: x.code(),
            text: x.text(),
        }),
        review_due: r.review_due.map(time),
        documents: r.documents.clone(),
        link_sent_to: link.map(|l| l.to.clone()),
        link_expires_at: link.map(|l| time(l.expires_at)),
    }
}

pub fn verification(p: &Partner) -> VerificationView {
    let v = p.verification.as_ref();
    let (status, sub) = p.vetting(VettingVersion::Current);
    VerificationView {
        status: status.wire(),
        label: domain::verification::status_label(status),
        vetting_sub_status: sub.wire(),
        version: v.map_or(0, |v| v.version),
        started_at: v.map(|v| time(v.started_at)),
        finished_at: v.and_then(|v| v.finished_at).map(time),
        checks: ChecksView {
            email_ownership: check_view(v, Check::EmailOwnership),
            employment: check_view(v, Check::Employment),
            company: check_view(v, Check::Company),
        },
        last_finalized: p
            .last_finalized
            .as_ref()
            .filter(|l| Some(*l) != v)
            .map(|l| FinalizedView {
                version: l.version,
                status: l.status().wire(),
                finished_at: l.finished_at.map(time),
            }),
    }
}

pub fn partner(p: &Partner) -> PartnerView {
    PartnerView {
        tenant_id: p.tenant_id.to_string(),
        company_name: p.legal_business_profile.company_name.clone(),
        website: p.website.clone(),
        partner_ids: p.partner_ids.clone(),
        programs: p
            .programs
            .iter()
            .map(|r| ProgramView {
                program: r.program.wire(),
                status: r.status.wire(),
                label: r.program.label(),
                status_label: r.status.label(),
                status_line: r.program.status_line(r.status),
            })
            .collect(),
        verification: verification(p),
        csp: p.csp.as_ref().map(|c| CspView {
            partner_id: c.partner_id.to_string(),
            location_tenant_id: c.location_tenant_id.to_string(),
            country: c.country.clone(),
            support: c.support.clone(),
            enrolled_at: c.enrolled_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            can_transact: p.can_transact(),
        }),
        agreements: p
            .agreements
            .iter()
            .map(|a| AgreementView {
                agreement_type: a.agreement_type.as_str(),
                program: "CSP",
                accepted_at: a.accepted_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                accepted_by: a.accepted_by.to_string(),
                accepted_by_upn: a.accepted_by_upn.clone(),
            })
            .collect(),
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
        start_at: s
            .sandbox
            .start_at
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
        created_at: s.sandbox.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        unreadable: s.unreadable.clone(),
        authority: urls.authority().to_owned(),
        partner_center_url: urls.partner_center().to_owned(),
        mfa_enforcement: s.sandbox.mfa_enforcement.as_str(),
        review_business_days: s.sandbox.review_business_days,
        business_calendar: s.sandbox.business_calendar.as_str(),
        sign_in_lockout: s.sandbox.sign_in_lockout.as_str(),
        tenants: w
            .tenants
            .iter()
            .map(|t| tenant(t, &w.users, &w.partners, &s.secrets))
            .collect(),
        apps: w.apps.iter().map(|a| app(a, &s.secrets)).collect(),
    }
}

/// A relationship request as the control plane shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipRequestView {
    pub id: String,
    /// `pending`, `postponed` or `approved`.
    pub state: &'static str,
    /// The page the invitation links to.
    pub url: String,
    pub provider: PartySummary,
    pub reseller: PartySummary,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartySummary {
    pub tenant_id: String,
    pub company_name: String,
}

pub fn relationship_request(s: &pcsandbox_core::csp::RelationshipState) -> RelationshipRequestView {
    let party = |p: &Partner| PartySummary {
        tenant_id: p.tenant_id.to_string(),
        company_name: p.legal_business_profile.company_name.clone(),
    };
    RelationshipRequestView {
        id: s.request.id.clone(),
        state: s.request.state.as_str(),
        url: s.url.clone(),
        provider: party(&s.provider),
        reseller: party(&s.reseller),
        created_at: s.request.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        decided_at: s
            .request
            .decided_at
            .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true)),
    }
}

/// A user of a sandbox's JSON (as created or read) by id, UPN, or the alias before `@` when
/// only one user has it: its id. The CLI and the testkit name users this way.
pub fn find_user(sb: &serde_json::Value, wanted: &str) -> Result<String, String> {
    let wanted = wanted.trim().to_lowercase();
    let users: Vec<&serde_json::Value> = sb["tenants"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["users"].as_array().into_iter().flatten())
        .collect();
    let field = |u: &serde_json::Value, k: &str| u[k].as_str().unwrap_or_default().to_lowercase();
    if let Some(u) = users
        .iter()
        .find(|u| field(u, "id") == wanted || field(u, "userPrincipalName") == wanted)
    {
        return Ok(field(u, "id"));
    }
    let by_alias: Vec<&&serde_json::Value> = users
        .iter()
        .filter(|u| field(u, "userPrincipalName").split('@').next() == Some(wanted.as_str()))
        .collect();
    match by_alias.as_slice() {
        [u] => Ok(field(u, "id")),
        [] => Err(format!("the sandbox has no user '{wanted}'")),
        many => Err(format!(
            "'{wanted}' is the alias of {} users; give the whole user principal name: {}",
            many.len(),
            many.iter()
                .map(|u| field(u, "userPrincipalName"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
