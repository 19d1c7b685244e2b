//! Routes of `/v1` inside a customer's tenant: its users, their licences, the subscribed SKUs
//! and application consents. Wire shapes of SDKDOC `create-user-accounts-for-a-customer.md`,
//! `license-resources.md`, `assign-licenses-to-a-user.md` and the CPV application-consent pages.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::licensing::{self, SkuUsage};
use pcsandbox_core::partner_center::tenancy::{Consent, CustomerUser};
use serde_json::{json, Value};

use super::collection::{link, whole};
use super::error::PcError;
use super::extract::{Caller, PcJson};
use super::json_response;
use crate::AppState;

fn user_out(u: &CustomerUser) -> Value {
    let mut v = json!({
        "usageLocation": u.profile.usage_location,
        "id": u.user.id.to_string(),
        "userPrincipalName": u.user.user_principal_name,
        "firstName": u.profile.first_name,
        "lastName": u.profile.last_name,
        "displayName": u.user.display_name,
        "userDomainType": "none",
        "state": "active",
        "links": {"self": link(&format!("/customers/{}/users/{}", u.user.tenant_id, u.user.id))},
        "attributes": {"objectType": "CustomerUser"},
    });
    // The create answer, as the page shows it: the password, the echoed immutableId, and the
    // directory-sync fields.
    if let (Some(p), Some((force, immutable))) = (&u.password, &u.created) {
        if let Some(i) = immutable {
            v["immutableId"] = json!(i);
        }
        v["passwordProfile"] = json!({"forceChangePassword": force, "password": p});
        v["lastDirectorySyncTime"] = Value::Null;
        v["softDeletionTime"] = Value::Null;
    }
    v
}

fn product_sku(s: &SkuUsage) -> Value {
    json!({
        "id": s.sku.license_sku_id,
        "name": s.product_title,
        "skuPartNumber": s.sku.sku_part_number,
        "targetType": "User",
        "licenseGroupId": "group1",
    })
}

fn sku_out(s: &SkuUsage) -> Value {
    json!({
        "availableUnits": s.available(),
        "activeUnits": s.active,
        "consumedUnits": s.consumed,
        "suspendedUnits": s.suspended,
        "totalUnits": s.active + s.suspended,
        "warningUnits": 0,
        "productSku": product_sku(s),
        "servicePlans": [],
        "capabilityStatus": "Enabled",
        "attributes": {"objectType": "SubscribedSku"},
    })
}

fn consent_out(c: &Consent) -> Value {
    json!({
        "applicationId": c.application_id.to_string(),
        "applicationGrants": c.grants.iter().map(|g| json!({
            "enterpriseApplicationId": g.enterprise_application_id,
            "scope": g.scope,
        })).collect::<Vec<_>>(),
        "attributes": {"objectType": "ApplicationConsent"},
    })
}

pub async fn users(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
) -> Result<Response, PcError> {
    let all = s.core.customer_users(&who, &customer).await?;
    Ok(json_response(&whole(
        all.iter().map(user_out).collect(),
        &format!("/customers/{customer}/users"),
    )))
}

pub async fn user(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    Ok(json_response(&user_out(
        &s.core.customer_user(&who, &customer, &id).await?,
    )))
}

/// `POST /v1/customers/{id}/users`: 200 with the user and its password (as the page shows).
pub async fn create_user(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
    PcJson(body): PcJson<Value>,
) -> Result<Response, PcError> {
    let u = s.core.create_customer_user(&who, &customer, &body).await?;
    Ok(json_response(&user_out(&u)))
}

pub async fn delete_user(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    s.core.delete_customer_user(&who, &customer, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET .../users/{userId}/licenses`.
pub async fn licenses(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    let u = s.core.customer_user(&who, &customer, &id).await?;
    let skus = s.core.subscribed_skus(&who, &customer).await?;
    let items = u
        .profile
        .licenses
        .iter()
        .map(|l| {
            let sku = skus.iter().find(|s| s.sku.license_sku_id.eq_ignore_ascii_case(l));
            json!({
                "productSku": sku.map(product_sku).unwrap_or_else(|| json!({"id": l, "targetType": "User", "licenseGroupId": "group1"})),
                "servicePlans": [],
                "attributes": {"objectType": "License"},
            })
        })
        .collect();
    Ok(json_response(&whole(
        items,
        &format!("/customers/{customer}/users/{id}/licenses"),
    )))
}

/// `POST .../users/{userId}/licenseupdates`: 201 with the update; out of seats, 400/60012.
pub async fn license_updates(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
    PcJson(body): PcJson<Value>,
) -> Result<Response, PcError> {
    let update = licensing::read_update(&body).map_err(|f| PcError::from(pcsandbox_core::CoreError::Fault(f)))?;
    s.core.update_licenses(&who, &customer, &id, &update).await?;
    // As the page's answer: the assigned SKUs, removals only when there were any.
    let mut out = json!({
        "licensesToAssign": update.assign.iter().map(|id| json!({"skuId": id})).collect::<Vec<_>>(),
        "licenseWarnings": [],
        "attributes": {"objectType": "LicenseUpdate"},
    });
    if !update.remove.is_empty() {
        out["licensesToRemove"] = json!(update.remove);
    }
    Ok((StatusCode::CREATED, json_response(&out)).into_response())
}

pub async fn subscribed_skus(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
) -> Result<Response, PcError> {
    let skus = s.core.subscribed_skus(&who, &customer).await?;
    Ok(json_response(&whole(
        skus.iter().map(sku_out).collect(),
        &format!("/customers/{customer}/subscribedskus"),
    )))
}

/// `POST /v1/customers/{id}/applicationconsents`: 201 with the consent.
pub async fn consent(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
    PcJson(body): PcJson<Value>,
) -> Result<Response, PcError> {
    let c = s.core.consent_application(&who, &customer, &body).await?;
    Ok((StatusCode::CREATED, json_response(&consent_out(&c))).into_response())
}

pub async fn consents(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
) -> Result<Response, PcError> {
    let all = s.core.application_consents(&who, &customer).await?;
    Ok(json_response(&whole(
        all.iter().map(consent_out).collect(),
        &format!("/customers/{customer}/applicationconsents"),
    )))
}

pub async fn remove_consent(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, app)): Path<(String, String)>,
) -> Result<Response, PcError> {
    s.core.remove_consent(&who, &customer, &app).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn role_out(id: &str, name: &str) -> Value {
    json!({"name": name, "id": id, "attributes": {"objectType": "DirectoryRole"}})
}

fn member_out(role: &str, u: &CustomerUser) -> Value {
    json!({
        "displayName": u.user.display_name,
        "userPrincipalName": u.user.user_principal_name,
        "roleId": role,
        "id": u.user.id.to_string(),
        "attributes": {"objectType": "UserMember"},
    })
}

/// `GET /v1/customers/{id}/directoryroles`: the roles of the customer's tenant.
pub async fn directory_roles(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
) -> Result<Response, PcError> {
    // The customer must be the caller's: its users are read for that.
    s.core.customer_users(&who, &customer).await?;
    let items = domain::licensing::DIRECTORY_ROLES
        .iter()
        .map(|(id, name)| role_out(id, name))
        .collect();
    Ok(json_response(&whole(
        items,
        &format!("/customers/{customer}/directoryroles"),
    )))
}

/// `GET /v1/customers/{id}/users/{userId}/directoryroles`.
pub async fn user_directory_roles(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    let roles = s.core.user_directory_roles(&who, &customer, &id).await?;
    let items = roles.iter().map(|(id, name)| role_out(id, name)).collect();
    Ok(json_response(&whole(
        items,
        &format!("/customers/{customer}/users/{id}/directoryroles"),
    )))
}

pub async fn role_members(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, role)): Path<(String, String)>,
) -> Result<Response, PcError> {
    let (rid, users) = s.core.directory_role_members(&who, &customer, &role).await?;
    let items = users.iter().map(|u| member_out(rid, u)).collect();
    Ok(json_response(&whole(
        items,
        &format!("/customers/{customer}/directoryroles/{rid}/usermembers"),
    )))
}

/// `POST .../directoryroles/{roleId}/usermembers` `{Id, DisplayName, UserPrincipalName}`: 201.
pub async fn add_role_member(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, role)): Path<(String, String)>,
    PcJson(body): PcJson<Value>,
) -> Result<Response, PcError> {
    let id = body
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("id")))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            PcError::from(pcsandbox_core::CoreError::Fault(
                domain::fault::Fault::explained(400, 800002, "Invalid request input", "Id: the user's id is required")
                    .with_data(["Id"]),
            ))
        })?;
    let (rid, u) = s.core.add_directory_role_member(&who, &customer, &role, &id).await?;
    Ok((StatusCode::CREATED, json_response(&member_out(rid, &u))).into_response())
}

pub async fn remove_role_member(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, role, user)): Path<(String, String, String)>,
) -> Result<Response, PcError> {
    s.core
        .remove_directory_role_member(&who, &customer, &role, &user)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
