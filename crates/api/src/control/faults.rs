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
