//! The identity surface (mock Entra ID, login.microsoftonline.com): discovery, keys, token,
//! device code, authorize and the sign-in pages. Handlers parse, call one use-case, render.

mod error;
pub mod pages;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use pcsandbox_core::entra::signin::AuthorizeError;
use pcsandbox_core::entra::token::TokenRequest;
use pcsandbox_core::entra::{EntraError, TenantPath};
use serde_json::{json, Value};

use self::error::{correlation_id, EntraResponse};
use crate::context::RequestIds;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{tenant}/v2.0/.well-known/openid-configuration", get(discovery_v2))
        .route("/{tenant}/.well-known/openid-configuration", get(discovery_v1))
        .route("/{tenant}/discovery/v2.0/keys", get(jwks))
        .route("/{tenant}/discovery/keys", get(jwks))
        .route("/common/discovery/instance", get(instance_discovery))
        .route("/common/userrealm/{upn}", get(user_realm))
        .route("/common/UserRealm/{upn}", get(user_realm))
        .route("/{tenant}/oauth2/v2.0/token", post(token_v2))
        .route("/{tenant}/oauth2/token", post(token_v1))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(devicecode_v2))
        .route("/{tenant}/oauth2/devicecode", post(devicecode_v1))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize_v2))
        .route("/{tenant}/oauth2/authorize", get(authorize_v1))
        .route("/{tenant}/oauth2/v2.0/logout", get(logout))
        .route("/{tenant}/oauth2/logout", get(logout))
        .route("/{tenant}/login", post(login_password))
        .route("/{tenant}/login/verify", post(login_code))
        .route("/devicelogin", get(device_page).post(device_enter))
        .layer(DefaultBodyLimit::max(MAX_FORM))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
}

/// Token and sign-in forms are a few hundred bytes; nothing legitimate comes near this.
pub const MAX_FORM: usize = 64 * 1024;

/// A panic is a bug: the client gets Entra's `server_error` body; the log line (in the
/// request's span) says where.
pub(crate) fn panicked(payload: Box<dyn std::any::Any + Send>) -> Response {
    tracing::error!(panic = %crate::panic_message(payload.as_ref()), "an identity handler panicked");
    EntraResponse {
        error: EntraError::server_error(),
        correlation_id: uuid::Uuid::new_v4().to_string(),
        base: String::new(),
    }
    .into_response()
}

/// A form body, or Entra's JSON error: 413 past [`MAX_FORM`].
pub struct Form(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        Bytes::from_request(req, state)
            .await
            .map(Form)
            .map_err(|e: BytesRejection| {
                let too_large = e.status() == StatusCode::PAYLOAD_TOO_LARGE;
                let error = EntraError {
                    status: if too_large { 413 } else { 400 },
                    error: "invalid_request",
                    code: 90023,
                    description: if too_large {
                        format!("The request body is larger than {} KiB.", MAX_FORM / 1024)
                    } else {
                        "The request body could not be read.".into()
                    },
                    suberror: None,
                    explanation: None,
                };
                EntraResponse {
                    error,
                    correlation_id: correlation_id(&headers),
                    base: String::new(),
                }
                .into_response()
            })
    }
}

/// The base URL the client used (the listener it reached), so discovery documents and issuers
/// stay on the client's own origin; MSAL insists on that.
pub(crate) fn base_for(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    for url in state.urls.all() {
        let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
        let default_port = if scheme == "https" { ":443" } else { ":80" };
        let with_port = if host.contains(':') && !host.ends_with(']') {
            host.clone()
        } else {
            format!("{host}{default_port}")
        };
        if rest == host || rest == with_port || rest.strip_suffix(default_port) == Some(host.as_str()) {
            return url.to_owned();
        }
    }
    state.urls.authority().to_owned()
}

fn err(state: &AppState, headers: &HeaderMap, e: EntraError) -> Response {
    EntraResponse {
        error: e,
        correlation_id: correlation_id(headers),
        base: base_for(state, headers),
    }
    .into_response()
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
    res.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

async fn discovery(state: &AppState, headers: &HeaderMap, segment: &str, v2: bool) -> Response {
    let path = match state.core.resolve_tenant(segment).await {
        Ok(p) => p,
        Err(e) => return err(state, headers, e),
    };
    let base = base_for(state, headers);
    // Entra answers for `common` with a `{tenantid}` placeholder in the issuer.
    let (tid, seg) = match &path {
        TenantPath::Specific { tenant, .. } => (tenant.id.to_string(), tenant.id.to_string()),
        TenantPath::Any(s) => ("{tenantid}".to_owned(), s.clone()),
    };
    let (suffix, issuer) = if v2 {
        ("/v2.0", format!("{base}/{tid}/v2.0"))
    } else {
        ("", format!("{base}/{tid}/"))
    };
    Json(json!({
        "token_endpoint": format!("{base}/{seg}/oauth2{suffix}/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": format!("{base}/{seg}/discovery{suffix}/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/{seg}/openid/userinfo"),
        "authorization_endpoint": format!("{base}/{seg}/oauth2{suffix}/authorize"),
        "device_authorization_endpoint": format!("{base}/{seg}/oauth2{suffix}/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{seg}/oauth2{suffix}/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email", "oid", "amr"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", "password", "urn:ietf:params:oauth:grant-type:device_code"],
        "tenant_region_scope": "AS",
        "cloud_instance_name": "microsoftonline.com",
    }))
    .into_response()
}

async fn discovery_v2(State(s): State<AppState>, headers: HeaderMap, Path(t): Path<String>) -> Response {
    discovery(&s, &headers, &t, true).await
}

async fn discovery_v1(State(s): State<AppState>, headers: HeaderMap, Path(t): Path<String>) -> Response {
    discovery(&s, &headers, &t, false).await
}

/// The keys of the tenant's sandbox (its own after a rollover), or the server's for `common`.
async fn jwks(State(s): State<AppState>, headers: HeaderMap, Path(t): Path<String>) -> Response {
    let keys = match s.core.resolve_tenant(&t).await {
        Ok(TenantPath::Specific { sandbox, .. }) => match s.core.keyset_for(sandbox).await {
            Ok(k) => k,
            Err(e) => return err(&s, &headers, e.into()),
        },
        Ok(TenantPath::Any(_)) => s.core.keys.get().await,
        Err(e) => return err(&s, &headers, e),
    };
    Json(keys.jwks()).into_response()
}

/// What MSAL asks before trusting an authority host it does not know.
async fn instance_discovery(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_for(&s, &headers);
    let host = base.split_once("://").map(|x| x.1).unwrap_or(&base).to_owned();
    Json(json!({
        "tenant_discovery_endpoint": format!("{base}/{{tenant}}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    }))
    .into_response()
}

/// Every account is managed (cloud-only), so MSAL goes straight to the password grant.
async fn user_realm(Path(upn): Path<String>) -> Response {
    let domain = upn.rsplit_once('@').map(|x| x.1).unwrap_or_default().to_owned();
    Json(json!({
        "ver": "1.0",
        "account_type": "Managed",
        "domain_name": domain,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    }))
    .into_response()
}

/// Form fields, tolerant of anything unknown; repeated keys keep the first value.
fn form(body: &[u8]) -> HashMap<String, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut map = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_insert(v);
    }
    map
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 section 2.3.1).
fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b64 = v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic "))?;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| -> String {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("x={s}")).unwrap_or_default();
        pairs.into_iter().next().map(|p| p.1).unwrap_or_else(|| s.to_owned())
    };
    Some((decode(id), decode(secret)))
}

async fn token(
    state: &AppState,
    headers: &HeaderMap,
    segment: &str,
    body: &[u8],
    version: u8,
    ids: Option<&RequestIds>,
) -> Response {
    let path = match state.core.resolve_tenant(segment).await {
        Ok(p) => p,
        Err(e) => return err(state, headers, e),
    };
    let req = TokenRequest {
        form: form(body),
        basic: basic_auth(headers),
        endpoint_version: version,
        issuer_base: base_for(state, headers),
    };
    let res = match token_fault(state, &path, &req, segment, version).await {
        Some(Ok(dropped)) => return dropped,
        Some(Err(e)) => {
            let retry = e.1;
            crate::faults::with_retry_after(err(state, headers, e.0), retry)
        }
        None => match state.core.token(&path, &req).await {
            Ok(out) => no_store(Json(Value::Object(out)).into_response()),
            Err(e) => err(state, headers, e),
        },
    };
    journal_token(state, &path, &req, segment, version, ids, crate::outcome(&res)).await;
    res
}

/// A fault injected on the sandbox of the request: `Ok` a dropped connection, `Err` an Entra error
/// (an AADSTS refusal or an error status) with its `Retry-After`. Latency is waited here.
async fn token_fault(
    state: &AppState,
    path: &TenantPath,
    req: &TokenRequest,
    segment: &str,
    version: u8,
) -> Option<Result<Response, (EntraError, Option<u32>)>> {
    let client = req
        .get("client_id")
        .map(str::to_owned)
        .or_else(|| req.basic.as_ref().map(|b| b.0.clone()))
        .unwrap_or_default();
    let sandbox = match path {
        TenantPath::Specific { sandbox, .. } => *sandbox,
        TenantPath::Any(_) => state.core.app(client.trim().parse().ok()?).await.ok()??.0,
    };
    let suffix = if version == 2 { "/v2.0" } else { "" };
    let f = state.core.strike(
        sandbox,
        "POST",
        &format!("/{segment}/oauth2{suffix}/token"),
        req.get("grant_type"),
    )?;
    if let Some(ms) = f.latency_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    if f.drop {
        return Some(Ok(crate::faults::dropped()));
    }
    match (f.aadsts, f.status) {
        (Some(code), _) => Some(Err((EntraError::injected(code, client.trim()), f.retry_after))),
        (None, Some(status)) => Some(Err((EntraError::transient(status), f.retry_after))),
        (None, None) => None,
    }
}

/// Every token request goes to the journal of the sandbox it reached (by its tenant, or by its
/// app for `common`), with Entra's refusal and its reason.
async fn journal_token(
    state: &AppState,
    path: &TenantPath,
    req: &TokenRequest,
    segment: &str,
    version: u8,
    ids: Option<&RequestIds>,
    outcome: (u16, Option<Box<store::journal::Note>>),
) {
    let client: Option<domain::AppId> = req
        .get("client_id")
        .map(str::to_owned)
        .or_else(|| req.basic.as_ref().map(|b| b.0.clone()))
        .and_then(|c| c.trim().parse().ok());
    let app = match client {
        Some(c) => state.core.app(c).await.ok().flatten(),
        None => None,
    };
    let (sandbox, tenant) = match (path, &app) {
        (TenantPath::Specific { sandbox, tenant }, _) => (*sandbox, Some(tenant.id)),
        (TenantPath::Any(_), Some((sandbox, app))) => (*sandbox, Some(app.tenant_id)),
        (TenantPath::Any(_), None) => return,
    };
    let who = store::journal::Who {
        tenant_id: tenant,
        user_id: None,
        upn: req.get("username").map(|u| u.trim().to_lowercase()),
        app_id: client.filter(|_| app.is_some()),
        app_name: app.map(|(_, a)| a.display_name.clone()).unwrap_or_default(),
        mfa: false,
    };
    let grant = req.get("grant_type").unwrap_or("(none)");
    let suffix = if version == 2 { "/v2.0" } else { "" };
    crate::journal(
        state,
        crate::Journaled {
            sandbox,
            surface: store::journal::ENTRA,
            method: "POST".into(),
            path: format!("/{segment}/oauth2{suffix}/token"),
            operation: format!("token {grant}"),
            who: std::sync::Arc::new(who),
        },
        ids,
        outcome,
    )
    .await;
}

async fn token_v2(
    State(s): State<AppState>,
    headers: HeaderMap,
    ids: Option<axum::Extension<RequestIds>>,
    Path(t): Path<String>,
    Form(body): Form,
) -> Response {
    token(&s, &headers, &t, &body, 2, ids.as_deref()).await
}

async fn token_v1(
    State(s): State<AppState>,
    headers: HeaderMap,
    ids: Option<axum::Extension<RequestIds>>,
    Path(t): Path<String>,
    Form(body): Form,
) -> Response {
    token(&s, &headers, &t, &body, 1, ids.as_deref()).await
}

async fn devicecode(state: &AppState, headers: &HeaderMap, segment: &str, body: &[u8], version: u8) -> Response {
    let path = match state.core.resolve_tenant(segment).await {
        Ok(p) => p,
        Err(e) => return err(state, headers, e),
    };
    let verification = format!("{}/devicelogin", base_for(state, headers));
    match state
        .core
        .device_authorization(&path, &form(body), version, &verification)
        .await
    {
        Ok(out) => no_store(Json(Value::Object(out)).into_response()),
        Err(e) => err(state, headers, e),
    }
}

async fn devicecode_v2(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(t): Path<String>,
    Form(body): Form,
) -> Response {
    devicecode(&s, &headers, &t, &body, 2).await
}

async fn devicecode_v1(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(t): Path<String>,
    Form(body): Form,
) -> Response {
    devicecode(&s, &headers, &t, &body, 1).await
}

async fn authorize(state: &AppState, segment: &str, q: HashMap<String, String>, version: u8) -> Response {
    let path = match state.core.resolve_tenant(segment).await {
        Ok(p) => p,
        Err(e) => return pages::error(e.code, &e.description),
    };
    match state.core.authorize(&path, &q, version).await {
        Ok(step) => pages::step(segment, step),
        Err(AuthorizeError::Show(e)) => pages::error(e.code, &e.description),
        Err(AuthorizeError::Redirect(url)) => pages::step(segment, pcsandbox_core::entra::signin::Step::Redirect(url)),
    }
}

async fn authorize_v2(
    State(s): State<AppState>,
    Path(t): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    authorize(&s, &t, q, 2).await
}

async fn authorize_v1(
    State(s): State<AppState>,
    Path(t): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    authorize(&s, &t, q, 1).await
}

async fn login_password(State(s): State<AppState>, Path(t): Path<String>, Form(body): Form) -> Response {
    let f = form(&body);
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or_default();
    match s
        .core
        .sign_in_password(get("flow"), get("username"), get("password"))
        .await
    {
        Ok(step) => pages::step(&t, step),
        Err(e) => pages::error(e.code, &e.description),
    }
}

async fn login_code(State(s): State<AppState>, Path(t): Path<String>, Form(body): Form) -> Response {
    let f = form(&body);
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or_default();
    match s.core.sign_in_code(get("flow"), get("otc")).await {
        Ok(step) => pages::step(&t, step),
        Err(e) => pages::error(e.code, &e.description),
    }
}

async fn device_page() -> Response {
    pages::device_entry(None)
}

async fn device_enter(State(s): State<AppState>, Form(body): Form) -> Response {
    let f = form(&body);
    match s
        .core
        .device_login(f.get("otc").map(String::as_str).unwrap_or_default())
        .await
    {
        Ok(step) => pages::step("common", step),
        Err(e) => pages::device_entry(Some(&format!("AADSTS{}: {}", e.code, e.description))),
    }
}

/// Sign-out: there is no browser session to end, so it only decides where the browser goes. An
/// unknown tenant is Entra's error; `post_logout_redirect_uri` is followed only when it is a
/// redirect URI registered for the app (`client_id`, or the `aud` of `id_token_hint`), or, for a
/// specific tenant, for some app of its sandbox: anything else would make the endpoint an open
/// redirector. Otherwise the signed-out page is shown.
async fn logout(
    State(s): State<AppState>,
    Path(t): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let path = match s.core.resolve_tenant(&t).await {
        Ok(p) => p,
        Err(e) => return pages::error(e.code, &e.description),
    };
    let Some(uri) = q.get("post_logout_redirect_uri").filter(|u| !u.is_empty()) else {
        return pages::signed_out();
    };
    let client = q.get("client_id").cloned().or_else(|| {
        q.get("id_token_hint")
            .and_then(|h| identity::verify::peek_claim(h, "aud"))
    });
    match s.core.logout_redirect_allowed(&path, client.as_deref(), uri).await {
        Ok(true) => pages::step("common", pcsandbox_core::entra::signin::Step::Redirect(uri.clone())),
        Ok(false) => pages::signed_out(),
        Err(e) => pages::error(e.code, &e.description),
    }
}
