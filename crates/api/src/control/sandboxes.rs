//! Handlers for sandboxes, their tenants, users, apps, clock, and the scenario catalog.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::SecondsFormat;
use domain::scenario::{ScenarioSpec, TenantSpec, UserSpec};
use domain::TenantId;
use pcsandbox_core::clock::Advance;
use pcsandbox_core::directory::NewApp;
use pcsandbox_core::sandboxes::{NewSandbox, SandboxName, ScenarioSource, DEFAULT_PAGE, MAX_PAGE};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{Problem, Result};
use super::extract::{self, Caller, CpJson, CpQuery};
use super::{sandbox_id, views};
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSandbox {
    name: Option<String>,
    /// A scenario name, or an inline scenario object.
    scenario: Option<Value>,
    /// A bundle of `GET .../export`, restored as a new sandbox.
    import: Option<Value>,
    /// The instant the sandbox clock starts at (RFC 3339), instead of real time.
    start_at: Option<String>,
}

pub async fn create(
    State(s): State<AppState>,
    Caller(access): Caller,
    large: Option<axum::Extension<super::LargeBody>>,
    CpJson(body): CpJson<CreateSandbox>,
) -> Result<axum::response::Response> {
    if large.is_some_and(|l| l.stated) && body.import.is_none() {
        // Past 1 MiB (or of no stated size) and not an import: what any other route refuses.
        return Err(extract::too_large());
    }
    if let Some(bundle) = body.import {
        if body.scenario.is_some() {
            return Err(Problem::invalid(
                "import",
                "a sandbox comes from a scenario or from an import, not both",
            ));
        }
        if body.start_at.is_some() {
            return Err(Problem::invalid(
                "startAt",
                "an imported sandbox keeps the clock and the start of its bundle",
            ));
        }
        let name = body
            .name
            .as_deref()
            .map(SandboxName::parse)
            .transpose()
            .map_err(pcsandbox_core::CoreError::from)?;
        let imported = s.core.import_sandbox(name, access.team(), bundle).await?;
        let mut out = serde_json::to_value(views::sandbox(&imported.state, &s.urls)).unwrap_or_default();
        if !imported.id_map.is_empty() {
            out["idMap"] = json!(imported.id_map);
        }
        return Ok((StatusCode::CREATED, Json(out)).into_response());
    }
    let source = match body.scenario {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(ScenarioSource::Named(name)),
        Some(obj @ Value::Object(_)) => {
            let bytes = serde_json::to_vec(&obj).unwrap_or_default();
            let spec: ScenarioSpec = extract::parse(&bytes, "scenario")?;
            Some(ScenarioSource::Inline(Box::new(spec)))
        }
        Some(_) => {
            return Err(Problem::invalid(
                "scenario",
                "scenario: must be a scenario name or a scenario object",
            ))
        }
    };
    let name = body
        .name
        .as_deref()
        .map(SandboxName::parse)
        .transpose()
        .map_err(pcsandbox_core::CoreError::from)?;
    let start_at = body
        .start_at
        .as_deref()
        .map(|t| domain::clock::parse_instant("startAt", t))
        .transpose()
        .map_err(pcsandbox_core::CoreError::from)?;
    let state = s
        .core
        .create_sandbox(NewSandbox {
            name,
            source,
            start_at,
            team: access.team().cloned(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(views::sandbox(&state, &s.urls))).into_response())
}

/// `GET /sandbox/v1/sandboxes/{sid}/export`: the sandbox as one bundle (see `core::bundle`).
pub async fn export(
    State(s): State<AppState>,
    axum::extract::Path(sid): axum::extract::Path<String>,
) -> Result<Json<Value>> {
    let id = sandbox_id(&s, &sid).await?;
    Ok(Json(s.core.export_sandbox(id).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListQuery {
    limit: Option<String>,
    continuation_token: Option<String>,
}

/// `?limit=` of a list: 1 to `max`, `default` when absent.
pub(crate) fn limit(raw: Option<&str>, default: usize, max: usize) -> Result<usize> {
    match raw {
        None => Ok(default),
        Some(l) => l
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| Problem::invalid("limit", format!("limit: '{l}' is not a number from 1 to {max}"))),
    }
}

/// A continuation token of ours: the position to continue from, as a decimal.
pub(crate) fn continuation(raw: Option<&str>) -> Result<Option<i64>> {
    raw.map(|t| {
        t.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| Problem::invalid("continuationToken", "continuationToken: not a token this list gave out"))
    })
    .transpose()
}

/// `GET /sandbox/v1/sandboxes[?limit=&continuationToken=]`: a page of sandboxes in creation order.
pub async fn list(
    State(s): State<AppState>,
    Caller(access): Caller,
    CpQuery(q): CpQuery<ListQuery>,
) -> Result<Json<Value>> {
    let limit = limit(q.limit.as_deref(), DEFAULT_PAGE, MAX_PAGE)?;
    let after = continuation(q.continuation_token.as_deref())?;
    let page = s.core.list_sandboxes(&access, after, limit).await?;
    let items: Vec<_> = page.items.iter().map(|st| views::sandbox(st, &s.urls)).collect();
    let mut out = json!({ "items": items });
    if let Some(next) = page.next {
        out["continuationToken"] = json!(next.to_string());
    }
    Ok(Json(out))
}

pub async fn get(State(s): State<AppState>, Path(sid): Path<String>) -> Result<Json<views::SandboxView>> {
    let state = s.core.sandbox_state(sandbox_id(&s, &sid).await?).await?;
    Ok(Json(views::sandbox(&state, &s.urls)))
}

pub async fn delete(State(s): State<AppState>, Path(sid): Path<String>) -> Result<StatusCode> {
    s.core.delete_sandbox(sandbox_id(&s, &sid).await?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reset(State(s): State<AppState>, Path(sid): Path<String>) -> Result<Json<views::SandboxView>> {
    let state = s.core.reset_sandbox(sandbox_id(&s, &sid).await?).await?;
    Ok(Json(views::sandbox(&state, &s.urls)))
}

pub async fn add_tenant(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpJson(spec): CpJson<TenantSpec>,
) -> Result<impl IntoResponse> {
    let added = s.core.add_tenant(sandbox_id(&s, &sid).await?, spec).await?;
    let partners: Vec<_> = added.partner.into_iter().collect();
    Ok((
        StatusCode::CREATED,
        Json(views::tenant(&added.tenant, &added.users, &partners, &added.secrets)),
    ))
}

pub async fn add_user(
    State(s): State<AppState>,
    Path((sid, tid)): Path<(String, String)>,
    CpJson(spec): CpJson<UserSpec>,
) -> Result<impl IntoResponse> {
    let sandbox = sandbox_id(&s, &sid).await?;
    let tenant: TenantId = tid.trim().parse().map_err(|_| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("tenant '{tid}' was not found"),
        )
    })?;
    let (user, secrets) = s.core.add_user(sandbox, tenant, spec).await?;
    Ok((StatusCode::CREATED, Json(views::user(&user, &secrets))))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateApp {
    tenant_id: TenantId,
    display_name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    public_client: bool,
}

pub async fn add_app(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpJson(body): CpJson<CreateApp>,
) -> Result<impl IntoResponse> {
    let new = NewApp {
        tenant_id: body.tenant_id,
        display_name: body.display_name,
        redirect_uris: body.redirect_uris,
        public_client: body.public_client,
    };
    let (app, secrets) = s.core.add_app(sandbox_id(&s, &sid).await?, new).await?;
    Ok((StatusCode::CREATED, Json(views::app(&app, &secrets))))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdvanceClock {
    advance: Option<String>,
    business_days: Option<u32>,
}

pub async fn clock(State(s): State<AppState>, Path(sid): Path<String>) -> Result<Json<Value>> {
    let id = sandbox_id(&s, &sid).await?;
    let sb = s.core.sandbox(id).await?.ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("sandbox '{sid}' was not found"),
        )
    })?;
    let now = s.core.sandbox_now(&sb);
    Ok(Json(json!({ "now": now.to_rfc3339_opts(SecondsFormat::Millis, true) })))
}

pub async fn advance_clock(
    State(s): State<AppState>,
    Path(sid): Path<String>,
    CpJson(body): CpJson<AdvanceClock>,
) -> Result<Json<Value>> {
    let advance = match (body.advance, body.business_days) {
        (Some(d), None) => {
            Advance::By(domain::clock::parse_duration("advance", &d).map_err(pcsandbox_core::CoreError::from)?)
        }
        (None, Some(n)) => Advance::BusinessDays(n),
        _ => {
            return Err(Problem::invalid(
                "advance",
                "give exactly one of advance (an ISO 8601 duration such as P3D) or businessDays",
            ))
        }
    };
    let now = s.core.advance_clock(sandbox_id(&s, &sid).await?, advance).await?;
    Ok(Json(json!({ "now": now.to_rfc3339_opts(SecondsFormat::Millis, true) })))
}

pub async fn scenarios(State(s): State<AppState>) -> Json<Value> {
    let items: Vec<_> = s
        .core
        .catalog
        .list()
        .map(|e| json!({"name": e.name, "description": e.description}))
        .collect();
    Json(json!({ "items": items }))
}

pub async fn scenario(State(s): State<AppState>, Path(name): Path<String>) -> Result<Json<Value>> {
    let e = s.core.catalog.get(&name).ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("scenario '{name}' was not found"),
        )
    })?;
    Ok(Json(
        json!({"name": e.name, "description": e.description, "scenario": e.spec, "yaml": e.source}),
    ))
}
