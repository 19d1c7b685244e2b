//! Control-plane onboarding: act-as-user actions (`POST .../actions/{action}`), the mailbox and
//! the mock public registry. Each action's body becomes a typed command (`core::actions`, the same
//! reading scenario steps get) and runs the same use-case the portal runs.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::SecondsFormat;
use domain::scenario::RegistrySpec;
use pcsandbox_core::actions::{Action, ActionOutcome};
use pcsandbox_core::csp::RelationshipState;
use pcsandbox_core::onboarding::{MailQuery, PartnerState};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{Problem, Result};
use super::extract::{parse, CpJson, CpQuery};
use super::sandboxes::{continuation, limit};
use super::{sandbox_id, views};
use crate::AppState;

pub use pcsandbox_core::actions::ACTIONS;

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

/// Actions that create what they answer with.
const CREATING: [&str; 2] = ["register-partner", "enroll-csp-indirect-reseller"];

/// `POST /sandbox/v1/sandboxes/{sid}/actions/{action}`: the body read into the action's typed
/// command (`core::actions`), run through the portal's use-case.
pub async fn action(
    State(s): State<AppState>,
    Path((sid, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<axum::response::Response> {
    let sandbox = sandbox_id(&s, &sid).await?;
    if !ACTIONS.contains(&action.as_str()) {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "UnknownAction",
            format!("there is no action '{action}'; actions: {}", ACTIONS.join(", ")),
        ));
    }
    let value: Value = parse(&body, "")?;
    let parsed = Action::parse(&action, &value)?;
    Ok(match s.core.run_action(sandbox, parsed).await? {
        ActionOutcome::Partner(st) => {
            let status = if CREATING.contains(&action.as_str()) {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, answer(&action, &st)).into_response()
        }
        ActionOutcome::Request(st, created) => {
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            (status, request_answer(&action, &st)).into_response()
        }
        ActionOutcome::Revoked {
            user,
            refresh_tokens,
            now,
        } => Json(json!({
            "action": action,
            "now": now.to_rfc3339_opts(SecondsFormat::Secs, true),
            "userId": user.to_string(),
            "refreshTokensRevoked": refresh_tokens,
        }))
        .into_response(),
        ActionOutcome::Gdap(r, now) => Json(json!({
            "action": action,
            "now": now.to_rfc3339_opts(SecondsFormat::Secs, true),
            "relationship": {
                "id": r.id,
                "displayName": r.display_name,
                "status": r.status.as_str(),
                "customer": r.customer.as_ref().map(|c| json!({"tenantId": c.tenant_id, "displayName": c.display_name})),
                "approvedBy": r.approved_by,
            },
        }))
        .into_response(),
        ActionOutcome::Customer(st) => Json(json!({
            "action": action,
            "now": st.now.to_rfc3339_opts(SecondsFormat::Secs, true),
            "customer": {
                "id": st.customer.id.to_string(),
                "mcaSignedDirectlyAt": st.customer.mca_signed_directly_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            },
        }))
        .into_response(),
    })
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

/// `GET /sandbox/v1/sandboxes/{sid}/relationship-requests`: the indirect providers' requests,
/// newest first, with their state.
pub async fn relationship_requests(State(s): State<AppState>, Path(sid): Path<String>) -> Result<Json<Value>> {
    let states = s.core.relationship_requests(sandbox_id(&s, &sid).await?).await?;
    let items: Vec<_> = states.iter().map(views::relationship_request).collect();
    Ok(Json(json!({ "items": items })))
}

/// `GET /sandbox/v1/sandboxes/{sid}/webhook-deliveries`: the webhook events sent (or being sent)
/// to the partners' registered URLs, newest first, with each attempt.
pub async fn webhook_deliveries(State(s): State<AppState>, Path(sid): Path<String>) -> Result<Json<Value>> {
    let items = s
        .core
        .webhook_deliveries(sandbox_id(&s, &sid).await?, domain::webhooks::MAX_DELIVERIES)
        .await?;
    Ok(Json(json!({ "items": items })))
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
