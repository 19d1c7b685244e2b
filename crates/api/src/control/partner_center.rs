//! Control-plane powers over the Partner Center API: the MFA policy, minted tokens and the
//! request journal.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{SecondsFormat, TimeZone, Utc};
use domain::world::MfaEnforcement;
use domain::TenantId;
use pcsandbox_core::partner_center::policy::MintRequest;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{Problem, Result};
use super::extract::CpJson;
use super::views;
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SandboxPatch {
    mfa_enforcement: Option<String>,
    review_business_days: Option<u32>,
}

/// `PATCH /sandbox/v1/sandboxes/{sid}`: `{"mfaEnforcement": "enforced" | "off", "reviewBusinessDays": n}`.
pub async fn patch_sandbox(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpJson(body): CpJson<SandboxPatch>,
) -> Result<Json<views::SandboxView>> {
    if let Some(e) = body.mfa_enforcement {
        let e = MfaEnforcement::parse(&e).ok_or_else(|| {
            Problem::invalid(
                "mfaEnforcement",
                format!("mfaEnforcement: '{e}' is not one of enforced, off"),
            )
        })?;
        s.core.set_mfa_enforcement(&sid, e).await?;
    }
    if let Some(days) = body.review_business_days {
        s.core.set_review_business_days(&sid, days).await?;
    }
    let state = s.core.sandbox_state(&sid).await?;
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
    let tenant: TenantId = tid.parse().map_err(|_| not_found())?;
    if let Some(granted) = body.mfa_technical_exception {
        s.core.set_mfa_exception(&sid, tenant, granted).await?;
    }
    let state = s.core.sandbox_state(&sid).await?;
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
    let req = MintRequest {
        client_id: body.client_id,
        user_id: body.user_id,
        mfa: body.mfa,
        audience: body.audience,
        expires_in: body.expires_in,
    };
    let out = s.core.mint_token(&sid, req, s.urls.authority()).await?;
    Ok(Json(Value::Object(out)))
}

/// `GET /sandbox/v1/sandboxes/{sid}/requests[?limit=]`: the `/v1` request journal, newest first.
pub async fn requests(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>> {
    let limit = match q.get("limit") {
        None => 100,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| Problem::invalid("limit", format!("limit: '{l}' is not a number from 1 to 10000")))?,
    };
    let entries = s.core.request_journal(&sid, limit).await?;
    let items: Vec<Value> = entries
        .iter()
        .map(|e| {
            let at = Utc
                .timestamp_millis_opt(e.at_ms)
                .single()
                .unwrap_or_default()
                .to_rfc3339_opts(SecondsFormat::Millis, true);
            json!({
                "requestId": e.request_id,
                "correlationId": e.correlation_id,
                "at": at,
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
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}
