//! `/v1/roles` and `/v1/roles/{id}/usermembers`: the partner's roles and who holds them.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Role;
use pcsandbox_core::partner_center::roles::{NewRoleMember, RoleMember};
use serde::Deserialize;
use serde_json::{json, Value};

use super::collection::collection;
use super::error::PcError;
use super::extract::{paging, Caller, PcJson, PcQuery};
use super::json_response;
use crate::AppState;

fn member_out(m: &RoleMember) -> Value {
    json!({
        "id": m.user.id.to_string(),
        "userPrincipalName": m.user.user_principal_name,
        "displayName": m.user.display_name,
        "roleId": m.role.id(),
        "accountId": m.user.tenant_id.to_string(),
        "attributes": {"objectType": "UserMember"},
    })
}

pub async fn list(Caller(_): Caller) -> Response {
    let items: Vec<Value> = Role::ALL
        .iter()
        .map(|r| json!({"id": r.id(), "name": r.partner_center_name(), "attributes": {"objectType": "Role"}}))
        .collect();
    let total = items.len();
    json_response(&collection(items, total, "/roles", "roles", total, None))
}

pub async fn members(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(role_id): Path<String>,
    q: PcQuery,
    headers: HeaderMap,
) -> Result<Response, PcError> {
    let scope = format!("roles/{}/usermembers", role_id.to_ascii_lowercase());
    let p = paging(&q, &headers, &scope)?;
    let (page, total, next) = s.core.role_members(&who, &role_id, p.page).await?;
    let items = page.iter().map(member_out).collect();
    let self_uri = format!("/roles/{role_id}/usermembers");
    Ok(json_response(&collection(
        items, total, &self_uri, &scope, p.size, next,
    )))
}

/// Partner Center's UserMember as a client sends it (any key case).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberIn {
    #[serde(rename = "accountid")]
    account_id: Option<String>,
    id: Option<String>,
}

pub async fn add_member(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(role_id): Path<String>,
    PcJson(body): PcJson<MemberIn>,
) -> Result<Response, PcError> {
    let m = s
        .core
        .add_role_member(
            &who,
            &role_id,
            NewRoleMember {
                account_id: body.account_id,
                id: body.id,
            },
        )
        .await?;
    let mut res = json_response(&member_out(&m));
    *res.status_mut() = StatusCode::CREATED;
    Ok(res)
}

pub async fn remove_member(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((role_id, user_id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    s.core.remove_role_member(&who, &role_id, &user_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
