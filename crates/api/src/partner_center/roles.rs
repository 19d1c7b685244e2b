//! `/v1/roles` and `/v1/roles/{id}/usermembers`: the partner's roles and who holds them.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::role::{MemberSort, MAX_MEMBER_PAGE};
use domain::Role;
use pcsandbox_core::partner_center::roles::{NewRoleMember, RoleMember};
use serde::Deserialize;
use serde_json::{json, Value};

use super::collection::whole;
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

/// A Role: `{id, name, category}` (the SDK's `Role` model; PS `PSRole`).
fn role_out(r: Role) -> Value {
    json!({
        "id": r.id(),
        "name": r.partner_center_name(),
        "category": r.category().as_str(),
        "attributes": {"objectType": "Role"},
    })
}

pub async fn list(Caller(_): Caller) -> Response {
    let items: Vec<Value> = Role::ALL.iter().map(|r| role_out(*r)).collect();
    json_response(&whole(items, "/roles"))
}

/// `GET /v1/roles/{id}` (the `GetPartnerRole` path of the community SDK's configuration).
pub async fn get(
    State(s): State<AppState>,
    Caller(_): Caller,
    Path(role_id): Path<String>,
) -> Result<Response, PcError> {
    Ok(json_response(&role_out(s.core.role(&role_id)?)))
}

/// `GET /v1/roles/{id}/usermembers[?size=&sortField=&sortDirection=]`, then `seekOperation`
/// with the continuation token (size 1..500, as the reference bounds it).
pub async fn members(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(role_id): Path<String>,
    q: PcQuery,
    headers: HeaderMap,
) -> Result<Response, PcError> {
    let fault = |f| PcError::from(pcsandbox_core::CoreError::Fault(f));
    // The order is a list parameter: the continuation token keeps it for the later pages.
    let asked = match (q.get("sortField"), q.get("sortDirection")) {
        (None, None) => None,
        (field, direction) => Some(MemberSort::parse(field, direction).map_err(fault)?.key()),
    };
    let scope = format!("roles/{}/usermembers", role_id.trim().to_ascii_lowercase());
    let p = paging(&q, &headers, &scope, asked.as_deref(), MAX_MEMBER_PAGE)?;
    let sort = p.params.as_deref().map(MemberSort::from_key).unwrap_or_default();
    let all = s.core.role_members(&who, &role_id, sort).await?;
    let self_uri = format!("/roles/{}/usermembers", role_id.trim());
    Ok(json_response(&p.answer(&all, &self_uri, member_out)))
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
