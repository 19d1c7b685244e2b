//! The security-requirements reports (SDKDOC `mfa-resources.md`, `get-portal-requests-without-mfa.md`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::collection::collection;
use super::error::PcError;
use super::extract::{paging, Caller, PcQuery};
use super::json_response;
use crate::AppState;

/// Partner Center writes these times without a zone: `2020-04-21T22:09:53.051`.
fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

pub async fn non_mfa_principals(
    State(s): State<AppState>,
    Caller(who): Caller,
    q: PcQuery,
    headers: HeaderMap,
) -> Result<Response, PcError> {
    let scope = "nonMfaCompliantPartnerPrincipals";
    let p = paging(&q, &headers, scope)?;
    let all = s.core.non_mfa_compliant_principals(&who).await?;
    let (range, next) = p.page.slice(all.len());
    let items: Vec<Value> = all[range]
        .iter()
        .map(|n| {
            json!({
                "objectId": n.object_id.to_string(),
                "tenantId": n.tenant_id.to_string(),
                "upn": n.upn,
                "lastNonMfaCompliantRequestDateTime": time(n.last_non_mfa_request),
            })
        })
        .collect();
    Ok(json_response(&collection(
        items,
        all.len(),
        "/nonMfaCompliantPartnerPrincipals",
        scope,
        p.size,
        next,
    )))
}

/// A bare JSON array, as the real endpoint answers.
pub async fn adoption(State(s): State<AppState>, Caller(who): Caller) -> Result<Response, PcError> {
    let rows = s.core.application_mfa_adoption(&who).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|a| {
            json!({
                "loginDate": a.login_date.format("%Y-%m-%d").to_string(),
                "mfaCompliantRequestCount": a.mfa_compliant_requests,
                "totalRequestCount": a.total_requests,
                "applicationId": a.application_id.to_string(),
                "applicationName": a.application_name,
            })
        })
        .collect();
    Ok(json_response(&items))
}

pub async fn partner_requests(
    State(s): State<AppState>,
    Caller(who): Caller,
    q: PcQuery,
    headers: HeaderMap,
) -> Result<Response, PcError> {
    let scope = "partnerRequests";
    let p = paging(&q, &headers, scope)?;
    let all = s.core.partner_requests(&who).await?;
    let (range, next) = p.page.slice(all.len());
    let items: Vec<Value> = all[range]
        .iter()
        .map(|r| {
            json!({
                "requestId": r.request_id,
                "correlationId": r.correlation_id,
                "operationName": r.operation,
                "requestDateTime": time(r.at),
                "sourceIpAddress": r.source_ip,
                "objectId": r.user_id.to_string(),
                "tenantId": r.tenant_id.to_string(),
                "upn": r.upn,
                "applicationId": r.app_id.to_string(),
                "mfaCompliant": r.mfa,
            })
        })
        .collect();
    Ok(json_response(&collection(
        items,
        all.len(),
        "/partnerRequests",
        scope,
        p.size,
        next,
    )))
}
