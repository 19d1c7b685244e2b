//! `/sandbox/v1/keys`: team keys of a shared server, made and revoked with the admin key.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::SecondsFormat;
use domain::team::{Access, TeamName};
use serde::{Deserialize, Serialize};

use super::error::{Problem, Result};
use super::extract::{Caller, CpJson};
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewKey {
    team: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    team: String,
    /// Shown once, in the answer to its creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    created_at: String,
}

#[derive(Serialize)]
pub struct KeyList {
    items: Vec<KeyView>,
}

/// Only the admin key manages team keys; an open server has none to give.
fn admin_only(access: &Access) -> Result<()> {
    match access {
        Access::Admin => Ok(()),
        Access::Open => Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "team keys need a server started with --admin-key (PCSANDBOX_ADMIN_KEY)",
        )),
        Access::Team(_) => Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "only the admin key manages team keys",
        )),
    }
}

fn team(raw: &str) -> Result<TeamName> {
    Ok(TeamName::parse("team", raw).map_err(pcsandbox_core::CoreError::from)?)
}

/// `POST /sandbox/v1/keys {"team"}` -> 201 `{"team", "key", "createdAt"}`.
pub async fn create(
    State(s): State<AppState>,
    Caller(access): Caller,
    CpJson(body): CpJson<NewKey>,
) -> Result<(StatusCode, Json<KeyView>)> {
    admin_only(&access)?;
    let name = team(
        body.team
            .as_deref()
            .ok_or_else(|| Problem::invalid("team", "team: is required"))?,
    )?;
    let key = s.core.create_team_key(&name).await?;
    Ok((
        StatusCode::CREATED,
        Json(KeyView {
            team: name.to_string(),
            key: Some(key),
            created_at: s.core.clock.now().to_rfc3339_opts(SecondsFormat::Millis, true),
        }),
    ))
}

/// `GET /sandbox/v1/keys` -> the teams, without their keys.
pub async fn list(State(s): State<AppState>, Caller(access): Caller) -> Result<Json<KeyList>> {
    admin_only(&access)?;
    let items = s
        .core
        .team_keys()
        .await?
        .into_iter()
        .map(|(team, at)| KeyView {
            team,
            key: None,
            created_at: at.to_rfc3339_opts(SecondsFormat::Millis, true),
        })
        .collect();
    Ok(Json(KeyList { items }))
}

/// `DELETE /sandbox/v1/keys/{team}` -> 204; the key is refused from then on.
pub async fn revoke(State(s): State<AppState>, Caller(access): Caller, Path(raw): Path<String>) -> Result<StatusCode> {
    admin_only(&access)?;
    s.core.revoke_team_key(&team(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
