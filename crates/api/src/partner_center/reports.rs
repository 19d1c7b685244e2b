//! The security-requirements reports (SDKDOC `mfa-resources.md`, `get-portal-requests-without-mfa.md`).

use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::collection::whole;
use super::error::PcError;
use super::extract::{Caller, PcQuery};
use super::json_response;
use crate::AppState;

/// Partner Center writes these times without a zone: `2020-04-21T22:09:53.051`.
fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

/// Not paged: the real API answers the whole report (at most 10,000 rows) at once.
pub async fn non_mfa_principals(State(s): State<AppState>, Caller(who): Caller) -> Result<Response, PcError> {
    let all = s.core.non_mfa_compliant_principals(&who).await?;
    let items: Vec<Value> = all
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
    Ok(json_response(&whole(items, "/nonMfaCompliantPartnerPrincipals")))
}

/// A bare JSON array, as the real endpoint answers; `startDate`/`endDate` choose the days.
pub async fn adoption(State(s): State<AppState>, Caller(who): Caller, q: PcQuery) -> Result<Response, PcError> {
    let rows = s
        .core
        .application_mfa_adoption(&who, q.get("startDate"), q.get("endDate"))
        .await?;
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

/// Not paged: the newest 10,000 App+User requests of the last 7 days in one answer.
pub async fn partner_requests(State(s): State<AppState>, Caller(who): Caller) -> Result<Response, PcError> {
    let all = s.core.partner_requests(&who).await?;
    let items: Vec<Value> = all
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
    Ok(json_response(&whole(items, "/partnerRequests")))
}
