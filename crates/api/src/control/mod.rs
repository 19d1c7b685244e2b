//! The control plane (`/sandbox/v1`): sandbox set-up for tests and QA. Its JSON is a public
//! contract (DESIGN.md, openapi/sandbox.yaml): extend it, never break it.

mod error;
mod extract;
mod faults;
mod gdap;
mod keys;
mod onboarding;
mod partner_center;
pub(crate) mod sandboxes;
pub(crate) mod views;
pub use views::find_user;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;
use domain::team::Access;
use domain::SandboxId;
use subtle::ConstantTimeEq;

pub use error::Problem;
pub use views::sandbox as sandbox_view;

use crate::AppState;

pub fn router(state: &AppState) -> Router<AppState> {
    let routes = Router::new()
        .route(
            "/sandbox/v1/sandboxes",
            get(sandboxes::list)
                .post(sandboxes::create)
                // An import carries a sandbox's journal and mailbox: room for a big one, read
                // one at a time; any other body stays within the control plane's 1 MiB.
                .layer::<_, std::convert::Infallible>(middleware::from_fn_with_state(state.clone(), large_body_gate))
                .layer(DefaultBodyLimit::max(IMPORT_MAX_BODY)),
        )
        .route("/sandbox/v1/sandboxes/{sid}/export", get(sandboxes::export))
        .route(
            "/sandbox/v1/sandboxes/{sid}",
            get(sandboxes::get)
                .delete(sandboxes::delete)
                .patch(partner_center::patch_sandbox),
        )
        .route(
            "/sandbox/v1/sandboxes/{sid}/tenants/{tid}",
            patch(partner_center::patch_tenant),
        )
        .route("/sandbox/v1/sandboxes/{sid}/tokens", post(partner_center::mint_token))
        .route("/sandbox/v1/sandboxes/{sid}/requests", get(partner_center::requests))
        .route(
            "/sandbox/v1/sandboxes/{sid}/requests/{request_id}",
            get(partner_center::request),
        )
        .route("/sandbox/v1/sandboxes/{sid}/reset", post(sandboxes::reset))
        .route("/sandbox/v1/sandboxes/{sid}/keys/rollover", post(faults::rollover))
        .route("/sandbox/v1/sandboxes/{sid}/sign-ins", post(faults::sign_in))
        .route(
            "/sandbox/v1/sandboxes/{sid}/faults",
            get(faults::list).post(faults::add).delete(faults::clear),
        )
        .route(
            "/sandbox/v1/sandboxes/{sid}/faults/{fault_id}",
            axum::routing::delete(faults::remove),
        )
        .route("/sandbox/v1/sandboxes/{sid}/actions/{action}", post(onboarding::action))
        .route("/sandbox/v1/sandboxes/{sid}/mailbox", get(onboarding::mailbox))
        .route(
            "/sandbox/v1/sandboxes/{sid}/relationship-requests",
            get(onboarding::relationship_requests),
        )
        .route(
            "/sandbox/v1/sandboxes/{sid}/webhook-deliveries",
            get(onboarding::webhook_deliveries),
        )
        .route(
            "/sandbox/v1/sandboxes/{sid}/registry",
            get(onboarding::registry).post(onboarding::add_registry),
        )
        .route("/sandbox/v1/sandboxes/{sid}/tenants", post(sandboxes::add_tenant))
        .route(
            "/sandbox/v1/sandboxes/{sid}/tenants/{tid}/users",
            post(sandboxes::add_user),
        )
        .route("/sandbox/v1/sandboxes/{sid}/apps", post(sandboxes::add_app))
        .route(
            "/sandbox/v1/sandboxes/{sid}/tenants/{tid}/groups",
            get(gdap::groups).post(gdap::create_group),
        )
        .route(
            "/sandbox/v1/sandboxes/{sid}/groups/{gid}/members",
            post(gdap::add_member),
        )
        .route(
            "/sandbox/v1/sandboxes/{sid}/groups/{gid}/members/{user}",
            axum::routing::delete(gdap::remove_member),
        )
        .route(
            "/sandbox/v1/sandboxes/{sid}/gdap",
            get(gdap::settings).patch(gdap::patch_settings),
        )
        .route(
            "/sandbox/v1/sandboxes/{sid}/clock",
            get(sandboxes::clock).post(sandboxes::advance_clock),
        )
        .route("/sandbox/v1/keys", get(keys::list).post(keys::create))
        .route("/sandbox/v1/keys/{team}", axum::routing::delete(keys::revoke))
        .route("/sandbox/v1/scenarios", get(sandboxes::scenarios))
        .route("/sandbox/v1/scenarios/{name}", get(sandboxes::scenario))
        .route_layer(middleware::from_fn_with_state(state.clone(), journal_control))
        .route("/sandbox/v1/{*rest}", axum::routing::any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked));
    routes.route_layer(middleware::from_fn_with_state(state.clone(), authenticate))
}

/// The journal keeps the control-plane requests that change a sandbox or are refused (reads that
/// succeed are left out), with the refusal's code, field and words: what `pcsandbox explain`
/// shows a tester.
async fn journal_control(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let template = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    if !template.starts_with("/sandbox/v1/sandboxes/{sid}") {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let ids = req.extensions().get::<crate::context::RequestIds>().cloned();
    let sid = path.split('/').nth(4).unwrap_or_default().to_owned();
    // The action's name (or the route) is the operation.
    let operation = match path.split('/').nth(5) {
        Some("actions") => format!("action {}", path.split('/').nth(6).unwrap_or_default()),
        _ => format!("{method} {}", template.trim_start_matches("/sandbox/v1")),
    };
    let res = next.run(req).await;
    let outcome = crate::outcome(&res);
    // Reads and minted tokens change nothing: only their refusals are kept.
    let reads = method == axum::http::Method::GET || template.ends_with("/tokens");
    if reads && outcome.0 < 400 {
        return res;
    }
    if let Ok(sandbox) = s.core.find_sandbox(&sid).await {
        let j = crate::Journaled {
            sandbox,
            surface: store::journal::CONTROL_PLANE,
            method: method.to_string(),
            path,
            operation,
            who: std::sync::Arc::new(store::journal::Who::nobody()),
        };
        crate::journal(&s, j, ids.as_ref(), outcome).await;
    }
    res
}

/// A body that may be larger than the control plane's 1 MiB (or whose size is not said) waits
/// for the one permit of large bodies and holds it until answered; the handler then refuses it
/// unless it is an import ([`LargeBody`]).
async fn large_body_gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let stated = length.is_some_and(|n| n > extract::MAX_BODY as u64);
    let unknown = length.is_none() && req.headers().contains_key(header::TRANSFER_ENCODING);
    if !stated && !unknown {
        return next.run(req).await;
    }
    let Ok(_permit) = state.large_bodies.acquire().await else {
        return Problem::new(StatusCode::SERVICE_UNAVAILABLE, "Unavailable", "the server is stopping").into_response();
    };
    req.extensions_mut().insert(LargeBody { stated });
    next.run(req).await
}

/// Marks a request whose body may be past 1 MiB: only an import may be (`stated`: its
/// Content-Length says so).
#[derive(Clone, Copy)]
pub(crate) struct LargeBody {
    pub stated: bool,
}

/// The largest sandbox an import takes.
pub const IMPORT_MAX_BODY: usize = 64 * 1024 * 1024;

/// The sandbox a `{sid}` (id or name) names.
pub(crate) async fn sandbox_id(s: &AppState, sid: &str) -> Result<SandboxId, Problem> {
    Ok(s.core.find_sandbox(sid).await?)
}

/// A panic is a bug: the client gets the control plane's 500 problem; the log line (in the
/// request's span) says where.
pub(crate) fn panicked(payload: Box<dyn std::any::Any + Send>) -> Response {
    tracing::error!(panic = %crate::panic_message(payload.as_ref()), "a control-plane handler panicked");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal",
        "internal error; see the server log (its line carries this request's id)",
    )
    .into_response()
}

async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        "no such control-plane endpoint; see openapi/sandbox.yaml",
    )
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "this endpoint does not take that method",
    )
}

/// Who calls: on an open loopback server (no admin key) everyone is [`Access::Open`]; with an
/// admin key, `Authorization: Bearer <key>` is the admin key (compared in constant time) or a
/// team's key, and anything else is 401. A team key sees only its team's sandboxes: every
/// `{sid}` route answers 404 for another team's sandbox, before its handler runs.
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // A browser's request from another site: refused whatever it carries (a web page the
    // developer visits must not drive a loopback control plane). Other clients send neither.
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .map(|o| o.to_str().unwrap_or("?").to_owned());
    let cross_site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site") || v.eq_ignore_ascii_case("same-site"));
    if cross_site || origin.as_deref().is_some_and(|o| !state.names.origin_ok(o)) {
        return Problem::new(
            StatusCode::FORBIDDEN,
            "CrossSiteRequest",
            format!(
                "the control plane refuses requests from web pages of another origin ({}); call it from a test, a script or the console",
                origin.as_deref().unwrap_or("another site").chars().take(100).collect::<String>()
            ),
        )
        .into_response();
    }
    let access = match state.settings.admin_key.as_deref() {
        None => Access::Open,
        Some(want) => {
            let got = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, key)| key.trim())
                .unwrap_or_default();
            let admin: bool = got.as_bytes().ct_eq(want.as_bytes()).into();
            if admin && !want.trim().is_empty() {
                Access::Admin
            } else {
                match state.core.team_of_key(got).await {
                    Ok(Some(team)) => Access::Team(team),
                    Ok(None) => return unauthorized(),
                    Err(e) => return Problem::from(e).into_response(),
                }
            }
        }
    };
    if let Access::Team(_) = &access {
        let template = req
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default();
        if template.starts_with("/sandbox/v1/sandboxes/{sid}") {
            let raw = req.uri().path().split('/').nth(4).unwrap_or_default();
            let sid = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
            if let Err(e) = state.core.find_sandbox_for(&access, &sid).await {
                return Problem::from(e).into_response();
            }
        }
    }
    req.extensions_mut().insert(access);
    next.run(req).await
}

fn unauthorized() -> Response {
    let mut res = Problem::new(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "the control plane needs Authorization: Bearer <PCSANDBOX_ADMIN_KEY> or a team key",
    )
    .into_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer realm=\"pcsandbox\""),
    );
    res
}
