//! Control-plane onboarding: act-as-user actions (`POST .../actions/{action}`), the mailbox and
//! the mock public registry. Each action calls the same use-case the portal runs.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::SecondsFormat;
use domain::profile::{Address, Contact};
use domain::scenario::RegistrySpec;
use pcsandbox_core::csp::{Enrollment, RelationshipState};
use pcsandbox_core::onboarding::{Decision, PartnerState, ProfileChange, Registration, Upload};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{Problem, Result};
use super::extract::{parse, CpJson};
use super::views;
use crate::AppState;

/// Address as the registration form takes it: every field optional here, so that a missing one
/// gets the portal's "required" message rather than a parser's.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddressBody {
    country: Option<String>,
    region: Option<String>,
    city: Option<String>,
    state: Option<String>,
    address_line1: Option<String>,
    address_line2: Option<String>,
    address_line3: Option<String>,
    postal_code: Option<String>,
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    phone_number: Option<String>,
}

impl From<AddressBody> for Address {
    fn from(a: AddressBody) -> Address {
        Address {
            country: a.country.unwrap_or_default(),
            region: a.region,
            city: a.city.unwrap_or_default(),
            state: a.state,
            address_line1: a.address_line1.unwrap_or_default(),
            address_line2: a.address_line2,
            address_line3: a.address_line3,
            postal_code: a.postal_code.unwrap_or_default(),
            first_name: a.first_name,
            middle_name: a.middle_name,
            last_name: a.last_name,
            phone_number: a.phone_number,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactBody {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
}

impl From<ContactBody> for Contact {
    fn from(c: ContactBody) -> Contact {
        Contact {
            first_name: c.first_name.unwrap_or_default(),
            last_name: c.last_name.unwrap_or_default(),
            email: c.email.unwrap_or_default(),
            phone_number: c.phone_number,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RegisterBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    tenant_id: Option<String>,
    company_name: Option<String>,
    address: Option<AddressBody>,
    primary_contact: Option<ContactBody>,
    website: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    company_name: Option<String>,
    address: Option<AddressBody>,
    primary_contact: Option<ContactBody>,
    website: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AsBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UploadBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    check: Option<String>,
    kind: Option<String>,
    issued_on: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SupportBody {
    website: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EnrollBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    partner_id: Option<String>,
    company_name: Option<String>,
    address: Option<AddressBody>,
    primary_contact: Option<ContactBody>,
    support_profile: Option<SupportBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AgreementBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    agreement_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InviteBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    reseller_partner_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RespondBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    request_id: Option<String>,
    decision: Option<String>,
    #[serde(default)]
    consent: bool,
}

/// The actions this server runs (DESIGN.md's list).
pub const ACTIONS: [&str; 9] = [
    "register-partner",
    "update-legal-profile",
    "resend-verification-email",
    "upload-document",
    "decide-verification",
    "enroll-csp-indirect-reseller",
    "accept-agreement",
    "invite-reseller",
    "respond-relationship-request",
];

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
    let base = s.urls.http.as_str();
    let state = match action.as_str() {
        "register-partner" => {
            let b: RegisterBody = parse(&body, "")?;
            let r = Registration {
                as_user: b.as_user,
                tenant_id: b.tenant_id,
                company_name: b.company_name,
                address: b.address.map(Into::into),
                primary_contact: b.primary_contact.map(Into::into),
                website: b.website,
            };
            let st = s.core.register_partner(&sid, r, base).await?;
            return Ok((StatusCode::CREATED, answer(&action, &st)).into_response());
        }
        "update-legal-profile" => {
            let b: UpdateBody = parse(&body, "")?;
            let c = ProfileChange {
                as_user: b.as_user,
                company_name: b.company_name,
                address: b.address.map(Into::into),
                primary_contact: b.primary_contact.map(Into::into),
                website: b.website,
            };
            s.core.update_legal_profile(&sid, c, base).await?
        }
        "resend-verification-email" => {
            let b: AsBody = parse(&body, "")?;
            s.core
                .resend_verification_email(&sid, b.as_user.as_deref(), base)
                .await?
        }
        "upload-document" => {
            let b: UploadBody = parse(&body, "")?;
            let u = Upload {
                as_user: b.as_user,
                check: b.check,
                kind: b.kind,
                issued_on: b.issued_on,
            };
            s.core.upload_document(&sid, u, base).await?
        }
        "enroll-csp-indirect-reseller" => {
            let b: EnrollBody = parse(&body, "")?;
            let support = b.support_profile.unwrap_or_default();
            let e = Enrollment {
                as_user: b.as_user,
                partner_id: b.partner_id,
                company_name: b.company_name,
                address: b.address.map(Into::into),
                primary_contact: b.primary_contact.map(Into::into),
                support_website: support.website,
                support_email: support.email,
                support_phone: support.phone,
            };
            let st = s.core.enroll_csp_indirect_reseller(&sid, e, base).await?;
            return Ok((StatusCode::CREATED, answer(&action, &st)).into_response());
        }
        "accept-agreement" => {
            let b: AgreementBody = parse(&body, "")?;
            s.core
                .accept_agreement(&sid, b.as_user.as_deref(), b.agreement_type.as_deref())
                .await?
        }
        "invite-reseller" => {
            let b: InviteBody = parse(&body, "")?;
            let (st, created) = s
                .core
                .invite_reseller(&sid, b.as_user.as_deref(), b.reseller_partner_id.as_deref(), base)
                .await?;
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            return Ok((status, request_answer(&action, &st)).into_response());
        }
        "respond-relationship-request" => {
            let b: RespondBody = parse(&body, "")?;
            let st = s
                .core
                .respond_relationship_request(
                    &sid,
                    b.as_user.as_deref(),
                    b.request_id.as_deref(),
                    b.decision.as_deref(),
                    b.consent,
                    base,
                )
                .await?;
            return Ok(request_answer(&action, &st).into_response());
        }
        "decide-verification" => {
            let b: DecideBody = parse(&body, "")?;
            let d = Decision {
                tenant_id: b.tenant_id,
                check: b.check,
                outcome: b.outcome,
                reason: b.reason,
            };
            s.core.decide_verification(&sid, d, base).await?
        }
        other => {
            // The sandbox must exist for the answer to be about the action.
            s.core.find_sandbox(&sid).await?;
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "UnknownAction",
                format!("there is no action '{other}'; actions: {}", ACTIONS.join(", ")),
            ));
        }
    };
    Ok(answer(&action, &state).into_response())
}

/// `GET /sandbox/v1/sandboxes/{sid}/mailbox[?to=]`: messages, newest first.
pub async fn mailbox(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>> {
    let items = s.core.mailbox(&sid, q.get("to").map(String::as_str)).await?;
    Ok(Json(json!({ "items": items })))
}

/// `POST /sandbox/v1/sandboxes/{sid}/registry`: a company in the mock public registry.
pub async fn add_registry(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpJson(body): CpJson<RegistrySpec>,
) -> Result<impl IntoResponse> {
    let entry = s.core.add_registry_entry(&sid, body).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

/// `GET /sandbox/v1/sandboxes/{sid}/registry`.
pub async fn registry(State(s): State<AppState>, Path(sid): Path<String>) -> Result<Json<Value>> {
    let items = s.core.registry(&sid).await?;
    Ok(Json(json!({ "items": items })))
}
