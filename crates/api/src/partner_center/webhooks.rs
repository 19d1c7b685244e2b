//! `/webhooks/v1/registration`: a partner's webhook registration, the events it may name, and
//! validation (test) events with their delivery status. Wire shapes of SDKDOC
//! `partner-center-webhooks.md` (PascalCase registration bodies; names are read in any case).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use domain::webhooks::{Delivery, DeliveryStatus, Registration, EVENTS};
use serde_json::{json, Value};

use super::error::PcError;
use super::extract::{Caller, PcJson};
use super::json_response;
use crate::AppState;

fn registration_out(r: &Registration) -> Value {
    json!({
        "SubscriberId": r.subscriber_id,
        "WebhookUrl": r.webhook_url,
        "WebhookEvents": r.webhook_events,
    })
}

fn validation_out(d: &Delivery) -> Value {
    json!({
        "correlationId": d.id,
        "partnerId": d.tenant_id.to_string(),
        "status": match d.status {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "completed",
            DeliveryStatus::Failed => "failed",
        },
        "callbackUrl": d.url,
        "results": d.attempts.iter().map(|a| json!({
            "responseCode": a.status.map(|s| StatusCode::from_u16(s).ok().and_then(|c| c.canonical_reason()).unwrap_or("Unknown").replace(' ', "")).unwrap_or_else(|| "Failed".into()),
            "responseMessage": a.error.clone().unwrap_or_default(),
            "systemError": a.status.is_none(),
            "dateTimeUtc": a.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        })).collect::<Vec<_>>(),
    })
}

pub async fn events() -> Response {
    json_response(&json!(EVENTS))
}

pub async fn get(State(s): State<AppState>, Caller(who): Caller) -> Result<Response, PcError> {
    Ok(json_response(&registration_out(
        &s.core.webhook_registration(&who).await?,
    )))
}

pub async fn register(
    State(s): State<AppState>,
    Caller(who): Caller,
    PcJson(body): PcJson<Value>,
) -> Result<Response, PcError> {
    Ok(json_response(&registration_out(
        &s.core.register_webhook(&who, &body, false).await?,
    )))
}

pub async fn update(
    State(s): State<AppState>,
    Caller(who): Caller,
    PcJson(body): PcJson<Value>,
) -> Result<Response, PcError> {
    Ok(json_response(&registration_out(
        &s.core.register_webhook(&who, &body, true).await?,
    )))
}

pub async fn delete(State(s): State<AppState>, Caller(who): Caller) -> Result<Response, PcError> {
    s.core.delete_webhook_registration(&who).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST .../validationEvents`: a test-created event, answered with its correlation id.
pub async fn test(State(s): State<AppState>, Caller(who): Caller) -> Result<Response, PcError> {
    let id = s.core.webhook_test(&who).await?;
    Ok(json_response(&json!({ "correlationId": id })))
}

pub async fn validation(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, PcError> {
    Ok(json_response(&validation_out(
        &s.core.webhook_delivery(&who, &id).await?,
    )))
}
