//! Control-plane onboarding: act-as-user actions (`POST .../actions/{action}`), the mailbox and
//! the mock public registry. Each action's body becomes a typed command here and runs the same
//! use-case the portal runs.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::{NaiveDate, SecondsFormat};
use domain::csp::{PartnerAgreementType, RequestDecision};
use domain::message::{Refusal, RefusalKind};
use domain::scenario::RegistrySpec;
use domain::verification::{Check, DocumentKind};
use domain::TenantId;
use pcsandbox_core::csp::{Enrollment, RelationshipState, Response};
use pcsandbox_core::onboarding::{Decision, MailQuery, Outcome, PartnerState, ProfileChange, Registration, Upload};
use pcsandbox_core::{CoreError, UserRef};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{Problem, Result};
use super::extract::{need, need_text, parse, CpJson, CpQuery};
use super::sandboxes::{continuation, limit};
use super::{sandbox_id, views};
use crate::input::{AddressInput, ContactInput};
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    tenant_id: Option<String>,
    company_name: Option<String>,
    address: Option<AddressInput>,
    primary_contact: Option<ContactInput>,
    website: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    company_name: Option<String>,
    address: Option<AddressInput>,
    primary_contact: Option<ContactInput>,
    website: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AsBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    check: Option<String>,
    kind: Option<String>,
    issued_on: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecideBody {
    /// Accepted for symmetry with the other actions; a decision is a sandbox power.
    #[serde(rename = "as")]
    _as_user: Option<String>,
    tenant_id: Option<String>,
    check: Option<String>,
    outcome: Option<String>,
    reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SupportBody {
    website: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnrollBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    partner_id: Option<String>,
    company_name: Option<String>,
    address: Option<AddressInput>,
    primary_contact: Option<ContactInput>,
    support_profile: Option<SupportBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgreementBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    agreement_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InviteBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    reseller_partner_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RespondBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    request_id: Option<String>,
    decision: Option<String>,
    #[serde(default)]
    consent: bool,
}

/// The actions this server runs (DESIGN.md's list).
pub const ACTIONS: [&str; 10] = [
    "register-partner",
    "update-legal-profile",
    "resend-verification-email",
    "upload-document",
    "decide-verification",
    "enroll-csp-indirect-reseller",
    "accept-agreement",
    "invite-reseller",
    "respond-relationship-request",
    "sign-customer-agreement",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomerBody {
    customer_id: Option<String>,
}

fn refused(r: Refusal) -> Problem {
    CoreError::Refused(r).into()
}

/// `as`: a user id or a user principal name of the sandbox.
fn actor(raw: Option<String>) -> Result<UserRef> {
    Ok(UserRef::parse(&need_text(raw, "as")?))
}

fn tenant_id(raw: Option<String>) -> Result<Option<TenantId>> {
    let Some(raw) = raw.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    raw.parse().map(Some).map_err(|_| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("tenant '{raw}' was not found"),
        )
        .with_field("tenantId")
    })
}

fn check(raw: Option<String>) -> Result<Check> {
    Check::parse(&need_text(raw, "check")?).ok_or_else(|| {
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

fn document_kind(raw: Option<String>) -> Result<DocumentKind> {
    DocumentKind::parse(&need_text(raw, "kind")?).ok_or_else(|| {
        refused(
            Refusal::new(
                RefusalKind::Invalid,
                "UnknownDocumentKind",
                "書類の種類は domain-ownership か registry-certificate を指定してください。",
                "The document kind is domain-ownership or registry-certificate.",
            )
            .on("kind"),
        )
    })
}

fn date(field: &str, raw: Option<String>) -> Result<Option<NaiveDate>> {
    let Some(raw) = raw.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
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

fn outcome(raw: Option<String>) -> Result<Outcome> {
    match need_text(raw, "outcome")?.trim().to_ascii_lowercase().as_str() {
        "approved" => Ok(Outcome::Approved),
        "rejected" => Ok(Outcome::Rejected),
        _ => Err(refused(
            Refusal::new(
                RefusalKind::Invalid,
                "InvalidOutcome",
                "結果には approved か rejected を指定してください。",
                "The outcome is approved or rejected.",
            )
            .on("outcome"),
        )),
    }
}

fn request_answer(action: &str, st: &RelationshipState) -> Json<Value> {
    Json(json!({
        "action": action,
        "now": st.now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "request": views::relationship_request(st),
    }))
}

fn answer(action: &str, state: &PartnerState) -> Json<Value> {
    Json(json!({
        "action": action,
        "now": state.now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "partner": views::partner(&state.partner),
    }))
}

/// `POST /sandbox/v1/sandboxes/{sid}/actions/{action}`.
pub async fn action(
    State(s): State<AppState>,
    Path((sid, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<axum::response::Response> {
    let sandbox = sandbox_id(&s, &sid).await?;
    let core = &s.core;
    let state = match action.as_str() {
        "register-partner" => {
            let b: RegisterBody = parse(&body, "")?;
            let r = Registration {
                actor: actor(b.as_user)?,
                tenant_id: tenant_id(b.tenant_id)?,
                company_name: need_text(b.company_name, "companyName")?,
                address: need(b.address, "address")?.into(),
                primary_contact: need(b.primary_contact, "primaryContact")?.into(),
                website: b.website,
            };
            let st = core.register_partner(sandbox, r).await?;
            return Ok((StatusCode::CREATED, answer(&action, &st)).into_response());
        }
        "update-legal-profile" => {
            let b: UpdateBody = parse(&body, "")?;
            let c = ProfileChange {
                actor: actor(b.as_user)?,
                company_name: b.company_name,
                address: b.address.map(Into::into),
                primary_contact: b.primary_contact.map(Into::into),
                website: b.website,
            };
            core.update_legal_profile(sandbox, c).await?
        }
        "resend-verification-email" => {
            let b: AsBody = parse(&body, "")?;
            core.resend_verification_email(sandbox, &actor(b.as_user)?).await?
        }
        "upload-document" => {
            let b: UploadBody = parse(&body, "")?;
            let u = Upload {
                actor: actor(b.as_user)?,
                check: check(b.check)?,
                kind: document_kind(b.kind)?,
                issued_on: date("issuedOn", b.issued_on)?,
            };
            core.upload_document(sandbox, u).await?
        }
        "enroll-csp-indirect-reseller" => {
            let b: EnrollBody = parse(&body, "")?;
            let support = b.support_profile.unwrap_or_default();
            let e = Enrollment {
                actor: actor(b.as_user)?,
                partner_id: need_text(b.partner_id, "partnerId")?,
                company_name: need_text(b.company_name, "companyName")?,
                address: b.address.map(Into::into),
                primary_contact: need(b.primary_contact, "primaryContact")?.into(),
                support_website: support.website,
                support_email: support.email,
                support_phone: support.phone,
            };
            let st = core.enroll_csp_indirect_reseller(sandbox, e).await?;
            return Ok((StatusCode::CREATED, answer(&action, &st)).into_response());
        }
        "accept-agreement" => {
            let b: AgreementBody = parse(&body, "")?;
            let who = actor(b.as_user)?;
            let t = PartnerAgreementType::parse(&need_text(b.agreement_type, "agreementType")?)
                .ok_or_else(|| refused(domain::csp::unknown_agreement_type()))?;
            core.accept_agreement(sandbox, &who, t).await?
        }
        "invite-reseller" => {
            let b: InviteBody = parse(&body, "")?;
            let who = actor(b.as_user)?;
            let reseller = need_text(b.reseller_partner_id, "resellerPartnerId")?;
            let (st, created) = core.invite_reseller(sandbox, &who, &reseller).await?;
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            return Ok((status, request_answer(&action, &st)).into_response());
        }
        "respond-relationship-request" => {
            let b: RespondBody = parse(&body, "")?;
            let r = Response {
                actor: actor(b.as_user)?,
                request_id: need_text(b.request_id, "requestId")?,
                decision: RequestDecision::parse(&need_text(b.decision, "decision")?)
                    .ok_or_else(|| refused(domain::csp::unknown_decision()))?,
                consent: b.consent,
            };
            let st = core.respond_relationship_request(sandbox, r).await?;
            return Ok(request_answer(&action, &st).into_response());
        }
        "sign-customer-agreement" => {
            let b: CustomerBody = parse(&body, "")?;
            let raw = need_text(b.customer_id, "customerId")?;
            let id: TenantId = raw.trim().parse().map_err(|_| {
                Problem::new(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    format!("customer '{raw}' was not found"),
                )
                .with_field("customerId")
            })?;
            let st = core.sign_customer_agreement(sandbox, id).await?;
            return Ok(Json(json!({
                "action": action,
                "now": st.now.to_rfc3339_opts(SecondsFormat::Secs, true),
                "customer": {
                    "id": st.customer.id.to_string(),
                    "mcaSignedDirectlyAt": st.customer.mca_signed_directly_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
                },
            }))
            .into_response());
        }
        "decide-verification" => {
            let b: DecideBody = parse(&body, "")?;
            let d = Decision {
                tenant_id: tenant_id(b.tenant_id)?,
                check: check(b.check)?,
                outcome: outcome(b.outcome)?,
                reason: b.reason,
            };
            core.decide_verification(sandbox, d).await?
        }
        other => {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "UnknownAction",
                format!("there is no action '{other}'; actions: {}", ACTIONS.join(", ")),
            ))
        }
    };
    Ok(answer(&action, &state).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MailboxQuery {
    to: Option<String>,
    limit: Option<String>,
    continuation_token: Option<String>,
}

/// Messages per page of the mailbox, unless asked otherwise, and at most.
const MAIL_PAGE: usize = 100;
const MAX_MAIL_PAGE: usize = 1000;

/// `GET /sandbox/v1/sandboxes/{sid}/mailbox[?to=&limit=&continuationToken=]`: messages, newest first.
pub async fn mailbox(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpQuery(q): CpQuery<MailboxQuery>,
) -> Result<Json<Value>> {
    let query = MailQuery {
        to: q.to,
        before: continuation(q.continuation_token.as_deref())?,
        limit: limit(q.limit.as_deref(), MAIL_PAGE, MAX_MAIL_PAGE)?,
    };
    let (items, next) = s.core.mailbox(sandbox_id(&s, &sid).await?, &query).await?;
    let mut out = json!({ "items": items });
    if let Some(n) = next {
        out["continuationToken"] = json!(n.to_string());
    }
    Ok(Json(out))
}

/// `POST /sandbox/v1/sandboxes/{sid}/registry`: a company in the mock public registry.
pub async fn add_registry(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpJson(body): CpJson<RegistrySpec>,
) -> Result<impl IntoResponse> {
    let entry = s.core.add_registry_entry(sandbox_id(&s, &sid).await?, body).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

/// `GET /sandbox/v1/sandboxes/{sid}/registry`.
pub async fn registry(State(s): State<AppState>, Path(sid): Path<String>) -> Result<Json<Value>> {
    let items = s.core.registry(sandbox_id(&s, &sid).await?).await?;
    Ok(Json(json!({ "items": items })))
}
