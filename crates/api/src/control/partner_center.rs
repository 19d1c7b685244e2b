//! Control-plane powers over the Partner Center API: the MFA policy, minted tokens and the
//! request journal.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{SecondsFormat, TimeZone, Utc};
use domain::calendar::BusinessCalendar;
use domain::world::{MfaEnforcement, SignInLockout};
use domain::{AppId, TenantId};
use pcsandbox_core::partner_center::policy::{MintRequest, SandboxPatch};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{Problem, Result};
use super::extract::{CpJson, CpQuery};
use super::{sandbox_id, views};
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SandboxPatchBody {
    mfa_enforcement: Option<String>,
    review_business_days: Option<u32>,
    sign_in_lockout: Option<String>,
    business_calendar: Option<String>,
}

/// `PATCH /sandbox/v1/sandboxes/{sid}`: `{"mfaEnforcement": "enforced" | "off",
/// "reviewBusinessDays": n, "signInLockout": "on" | "off"}`, applied together.
pub async fn patch_sandbox(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpJson(body): CpJson<SandboxPatchBody>,
) -> Result<Json<views::SandboxView>> {
    let sandbox = sandbox_id(&s, &sid).await?;
    let patch = SandboxPatch {
        mfa_enforcement: body
            .mfa_enforcement
            .map(|e| {
                MfaEnforcement::parse(&e).ok_or_else(|| {
                    Problem::invalid(
                        "mfaEnforcement",
                        format!("mfaEnforcement: '{e}' is not one of enforced, off"),
                    )
                })
            })
            .transpose()?,
        review_business_days: body.review_business_days,
        sign_in_lockout: body
            .sign_in_lockout
            .map(|l| {
                SignInLockout::parse(&l).ok_or_else(|| {
                    Problem::invalid("signInLockout", format!("signInLockout: '{l}' is not one of on, off"))
                })
            })
            .transpose()?,
        business_calendar: body
            .business_calendar
            .map(|c| {
                BusinessCalendar::parse(&c).ok_or_else(|| {
                    Problem::invalid(
                        "businessCalendar",
                        format!("businessCalendar: '{c}' is not one of weekends, JP"),
                    )
                })
            })
            .transpose()?,
    };
    s.core.patch_sandbox(sandbox, patch).await?;
    let state = s.core.sandbox_state(sandbox).await?;
    Ok(Json(views::sandbox(&state, &s.urls)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantPatch {
    mfa_technical_exception: Option<bool>,
}

/// `PATCH /sandbox/v1/sandboxes/{sid}/tenants/{tid}`: `{"mfaTechnicalException": bool}`.
pub async fn patch_tenant(
    State(s): State<AppState>,
    Path((sid, tid)): Path<(String, String)>,
    CpJson(body): CpJson<TenantPatch>,
) -> Result<Json<views::TenantView>> {
    let not_found = || {
        Problem::new(
            axum::http::StatusCode::NOT_FOUND,
            "NotFound",
            format!("tenant '{tid}' was not found in this sandbox"),
        )
    };
    let sandbox = sandbox_id(&s, &sid).await?;
    let tenant: TenantId = tid.parse().map_err(|_| not_found())?;
    if let Some(granted) = body.mfa_technical_exception {
        s.core.set_mfa_exception(sandbox, tenant, granted).await?;
    }
    let state = s.core.sandbox_state(sandbox).await?;
    let w = &state.world;
    let t = w.tenants.iter().find(|t| t.id == tenant).ok_or_else(not_found)?;
    Ok(Json(views::tenant(t, &w.users, &w.partners, &state.secrets)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MintToken {
    client_id: String,
    user_id: Option<String>,
    #[serde(default)]
    mfa: bool,
    audience: Option<String>,
    expires_in: Option<i64>,
}

/// `POST /sandbox/v1/sandboxes/{sid}/tokens`: a token with chosen claims, no sign-in.
pub async fn mint_token(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpJson(body): CpJson<MintToken>,
) -> Result<Json<Value>> {
    let sandbox = sandbox_id(&s, &sid).await?;
    let not_found = |what: &'static str, id: &str, field: &str| {
        Problem::new(
            axum::http::StatusCode::NOT_FOUND,
            "NotFound",
            format!("{what} '{id}' was not found"),
        )
        .with_field(field)
    };
    let req = MintRequest {
        client_id: body
            .client_id
            .trim()
            .parse::<AppId>()
            .map_err(|_| not_found("app", &body.client_id, "clientId"))?,
        user_id: body.user_id.as_deref().map(pcsandbox_core::uow::UserRef::parse),
        mfa: body.mfa,
        resource: body
            .audience
            .as_deref()
            .map(|a| {
                identity::claims::resource(a).ok_or_else(|| {
                    Problem::invalid(
                        "audience",
                        format!("audience: '{a}' is not a resource pcsandbox issues tokens for"),
                    )
                })
            })
            .transpose()?,
        expires_in: body.expires_in,
    };
    let out = s.core.mint_token(sandbox, req, s.urls.authority()).await?;
    Ok(Json(Value::Object(out)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JournalQuery {
    limit: Option<String>,
    /// `true`: the refused requests only.
    refused: Option<String>,
}

/// `GET /sandbox/v1/sandboxes/{sid}/requests[?limit=&refused=true]`: the request journal (`/v1`,
/// token requests, control-plane changes and refusals), newest first.
pub async fn requests(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpQuery(q): CpQuery<JournalQuery>,
) -> Result<Json<Value>> {
    let limit = super::sandboxes::limit(q.limit.as_deref(), 100, 10_000)?;
    let sandbox = sandbox_id(&s, &sid).await?;
    let entries = if q.refused.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("true")) {
        s.core.refusals(sandbox, limit).await?
    } else {
        s.core.request_journal(sandbox, limit).await?
    };
    let items: Vec<Value> = entries.iter().map(entry_view).collect();
    Ok(Json(json!({ "items": items })))
}

/// `GET /sandbox/v1/sandboxes/{sid}/requests/{requestId}`: one journaled request, with its refusal.
pub async fn request(State(s): State<AppState>, Path((sid, rid)): Path<(String, String)>) -> Result<Json<Value>> {
    let sandbox = sandbox_id(&s, &sid).await?;
    match s.core.journaled_request(sandbox, &rid).await? {
        Some(e) => Ok(Json(entry_view(&e))),
        None => Err(Problem::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("the journal of this sandbox has no request '{rid}' (it keeps the newest ones)"),
        )
        .with_field("requestId")),
    }
}

/// A journal entry as the control plane shows it.
pub fn entry_view(e: &store::journal::Entry) -> Value {
    let at = Utc
        .timestamp_millis_opt(e.at_ms)
        .single()
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut v = json!({
        "requestId": e.request_id,
        "correlationId": e.correlation_id,
        "at": at,
        "surface": e.surface,
        "method": e.method,
        "path": e.path,
        "operation": e.operation,
        "status": e.status,
        "sourceIp": e.source_ip,
        "caller": e.caller,
        "tenantId": e.tenant_id,
        "userId": e.user_id,
        "userPrincipalName": e.upn,
        "clientId": e.app_id,
        "mfa": e.mfa,
    });
    if let Some(r) = &e.refusal {
        v["refusal"] = json!({"code": r.code, "field": r.field, "explanation": r.explanation});
    }
    v
}
