//! `POST/GET/DELETE /sandbox/v1/sandboxes/{sid}/faults[/{id}]`: faults a test injects into a
//! sandbox's `/v1` calls and token requests (DESIGN.md's contract, with `drop`, `aadsts` and
//! `grantType` besides).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use domain::injection::FaultSpec;
use serde_json::{json, Value};

use super::error::Result;
use super::extract::CpJson;
use super::sandbox_id;
use crate::AppState;

pub async fn add(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpJson(spec): CpJson<FaultSpec>,
) -> Result<impl IntoResponse> {
    let sandbox = sandbox_id(&s, &sid).await?;
    let fault = s.core.add_fault(sandbox, spec)?;
    Ok((StatusCode::CREATED, Json(fault)))
}

pub async fn list(State(s): State<AppState>, Path(sid): Path<String>) -> Result<Json<Value>> {
    let sandbox = sandbox_id(&s, &sid).await?;
    Ok(Json(json!({ "items": s.core.list_faults(sandbox) })))
}

pub async fn clear(State(s): State<AppState>, Path(sid): Path<String>) -> Result<StatusCode> {
    let sandbox = sandbox_id(&s, &sid).await?;
    s.core.clear_faults(sandbox);
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove(State(s): State<AppState>, Path((sid, id)): Path<(String, String)>) -> Result<StatusCode> {
    let sandbox = sandbox_id(&s, &sid).await?;
    s.core.remove_fault(sandbox, &id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST .../keys/rollover`: the sandbox signs with a new key from now on; tokens signed before
/// are refused.
pub async fn rollover(State(s): State<AppState>, Path(sid): Path<String>) -> Result<Json<Value>> {
    let sandbox = sandbox_id(&s, &sid).await?;
    let (kid, previous) = s.core.rollover_keys(sandbox).await?;
    Ok(Json(json!({"kid": kid, "previousKid": previous})))
}

/// `POST .../sign-ins`: a device-code or authorization-code sign-in completed as a user of the
/// sandbox (with the TOTP step when `mfa`), without a browser.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignInBody {
    user: Option<String>,
    #[serde(default)]
    mfa: bool,
    user_code: Option<String>,
    authorize_url: Option<String>,
}

pub async fn sign_in(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpJson(b): CpJson<SignInBody>,
) -> Result<Json<Value>> {
    use pcsandbox_core::entra::signin::{HeadlessEnd, HeadlessStart};
    let sandbox = sandbox_id(&s, &sid).await?;
    let user = b
        .user
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| super::Problem::invalid("user", "user is required: a user id or principal name"))?;
    let start = match (b.user_code, b.authorize_url) {
        (Some(c), None) => HeadlessStart::DeviceCode(c),
        (None, Some(u)) => HeadlessStart::Authorize(u),
        _ => {
            return Err(super::Problem::invalid(
                "userCode",
                "give userCode (a device code sign-in) or authorizeUrl (an authorization code sign-in)",
            ))
        }
    };
    let end = s
        .core
        .headless_sign_in(sandbox, start, &pcsandbox_core::UserRef::parse(&user), b.mfa)
        .await?;
    Ok(Json(match end {
        HeadlessEnd::DeviceApproved { app } => json!({"completed": "device_code", "app": app}),
        HeadlessEnd::Redirect(url) => json!({"completed": "authorization_code", "redirectUri": url}),
        HeadlessEnd::FormPost { action, fields } => json!({
            "completed": "authorization_code",
            "formPost": {"action": action, "fields": fields.into_iter().map(|(k, v)| (k, Value::String(v))).collect::<serde_json::Map<String, Value>>()},
        }),
    }))
}
