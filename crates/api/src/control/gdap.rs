//! The control plane's GDAP: the partner tenants' security groups (the access containers of
//! access assignments) and a sandbox's GDAP timing and faults.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use domain::gdap::Group;
use domain::TenantId;
use pcsandbox_core::UserRef;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{Problem, Result};
use super::extract::CpJson;
use super::sandbox_id;
use crate::AppState;

fn tenant_of(tid: &str) -> Result<TenantId> {
    tid.trim().parse().map_err(|_| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("tenant '{tid}' was not found"),
        )
    })
}

fn group_json(g: &Group) -> Value {
    json!({"id": g.id, "tenantId": g.tenant_id, "displayName": g.display_name,
        "members": g.members, "createdAt": g.created_at})
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewGroup {
    display_name: String,
    /// User ids or user principal names of the group's tenant.
    #[serde(default)]
    members: Vec<String>,
}

/// `POST /sandbox/v1/sandboxes/{sid}/tenants/{tid}/groups`.
pub async fn create_group(
    State(s): State<AppState>,
    Path((sid, tid)): Path<(String, String)>,
    CpJson(body): CpJson<NewGroup>,
) -> Result<impl IntoResponse> {
    let sandbox = sandbox_id(&s, &sid).await?;
    let tenant = tenant_of(&tid)?;
    let members: Vec<UserRef> = body.members.iter().map(|m| UserRef::parse(m)).collect();
    let g = s
        .core
        .create_group(sandbox, tenant, &body.display_name, &members)
        .await?;
    Ok((StatusCode::CREATED, Json(group_json(&g))))
}

/// `GET /sandbox/v1/sandboxes/{sid}/tenants/{tid}/groups`.
pub async fn groups(State(s): State<AppState>, Path((sid, tid)): Path<(String, String)>) -> Result<Json<Value>> {
    let sandbox = sandbox_id(&s, &sid).await?;
    let tenant = tenant_of(&tid)?;
    let gs = s.core.groups(sandbox, tenant).await?;
    Ok(Json(json!({"items": gs.iter().map(group_json).collect::<Vec<_>>()})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Member {
    user: String,
}

/// `POST /sandbox/v1/sandboxes/{sid}/groups/{gid}/members`.
pub async fn add_member(
    State(s): State<AppState>,
    Path((sid, gid)): Path<(String, String)>,
    CpJson(body): CpJson<Member>,
) -> Result<Json<Value>> {
    let sandbox = sandbox_id(&s, &sid).await?;
    let g = s
        .core
        .group_member(sandbox, &gid, &UserRef::parse(&body.user), true)
        .await?;
    Ok(Json(group_json(&g)))
}

/// `DELETE /sandbox/v1/sandboxes/{sid}/groups/{gid}/members/{user}`.
pub async fn remove_member(
    State(s): State<AppState>,
    Path((sid, gid, user)): Path<(String, String, String)>,
) -> Result<Json<Value>> {
    let sandbox = sandbox_id(&s, &sid).await?;
    let g = s
        .core
        .group_member(sandbox, &gid, &UserRef::parse(&user), false)
        .await?;
    Ok(Json(group_json(&g)))
}

fn settings_json(st: store::gdap::Settings) -> Value {
    json!({"activationDelay": format!("PT{}S", st.activation_delay_secs),
        "stuckAssignments": st.stuck_assignments})
}

/// `GET /sandbox/v1/sandboxes/{sid}/gdap`.
pub async fn settings(State(s): State<AppState>, Path(sid): Path<String>) -> Result<Json<Value>> {
    let sandbox = sandbox_id(&s, &sid).await?;
    Ok(Json(settings_json(s.core.gdap_settings(sandbox).await?)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    activation_delay: Option<String>,
    stuck_assignments: Option<bool>,
}

/// `PATCH /sandbox/v1/sandboxes/{sid}/gdap` `{"activationDelay": "PT5M", "stuckAssignments": true}`.
pub async fn patch_settings(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpJson(body): CpJson<SettingsPatch>,
) -> Result<Json<Value>> {
    let sandbox = sandbox_id(&s, &sid).await?;
    let delay = body
        .activation_delay
        .as_deref()
        .map(|d| domain::clock::parse_duration("activationDelay", d))
        .transpose()
        .map_err(|f| Problem::invalid(f.field.clone(), f.to_string()))?;
    let st = s.core.set_gdap_settings(sandbox, delay, body.stuck_assignments).await?;
    Ok(Json(settings_json(st)))
}
