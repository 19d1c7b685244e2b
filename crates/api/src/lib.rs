//! The HTTP surfaces of pcsandbox (axum): each module exposes `router()`, [`app`] merges them,
//! adds the layers and sets the state once. [`Server`] binds and runs them.

pub mod context;
pub mod control;
pub mod entra;
pub mod faults;
pub mod graph;
pub mod health;
pub mod hosts;
mod idle;

pub mod openapi;
pub mod partner_center;
pub mod portal;
pub mod server;
pub mod settings;
pub mod tls;

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::Router;
use pcsandbox_core::Core;

pub use server::Server;
pub use settings::Settings;

/// The HTTP status of a refused action, the same on every surface.
pub(crate) fn refusal_status(kind: domain::message::RefusalKind) -> axum::http::StatusCode {
    axum::http::StatusCode::from_u16(kind.status()).unwrap_or(axum::http::StatusCode::BAD_REQUEST)
}

/// Pages a person sees (sign-in, portal) are never shown inside another site's frame:
/// clickjacking a sign-in or a consent checkbox needs a frame.
pub(crate) fn never_framed(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

/// A panic's message, for the log line that reports it.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Base URLs the server is reachable at, as clients should use them.
#[derive(Debug, Clone)]
pub struct Urls {
    pub http: String,
    /// One per HTTPS listener, in the order given.
    pub https: Vec<String>,
}

impl Urls {
    /// The authority base for identity clients: the first HTTPS listener (MSAL refuses http).
    pub fn authority(&self) -> &str {
        self.https.first().unwrap_or(&self.http)
    }

    pub fn partner_center(&self) -> &str {
        self.authority()
    }

    /// Every base URL the server answers on: token issuers may name any of them.
    pub fn all(&self) -> Vec<&str> {
        std::iter::once(self.http.as_str())
            .chain(self.https.iter().map(String::as_str))
            .collect()
    }
}

/// What every handler reads. Cloned for each extractor and middleware of each request, so it is
/// one `Arc`: a clone is one atomic increment, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub core: Core,
    pub urls: Urls,
    pub settings: Settings,
    /// The local CA's PEM, when the server generated its certificate.
    pub ca_pem: Option<Arc<str>>,
    /// Signs the portal's and the console's cookies (made at start-up: sessions end with the
    /// process).
    pub portal_key: portal::session::CookieKey,
    /// The names and origins this server answers to (see `hosts`).
    pub names: hosts::Names,
    /// Bodies past the control plane's 1 MiB (imports, up to 64 MiB) are read one at a time, so
    /// a handful of clients cannot hold gigabytes.
    pub large_bodies: tokio::sync::Semaphore,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What the journal keeps of a request that is not a `/v1` call (those the gate records).
pub(crate) struct Journaled {
    pub sandbox: domain::SandboxId,
    pub surface: &'static str,
    pub method: String,
    pub path: String,
    pub operation: String,
    pub who: std::sync::Arc<store::journal::Who>,
}

/// What an answer tells the journal: its status and the refusal it carries (the `Note` an error
/// response leaves in its extensions). Taken before any await: a response is not `Sync`.
pub(crate) fn outcome(res: &axum::response::Response) -> (u16, Option<Box<store::journal::Note>>) {
    (
        res.status().as_u16(),
        res.extensions().get::<store::journal::Note>().cloned().map(Box::new),
    )
}

/// Records a request of the control plane or the token endpoint.
pub(crate) async fn journal(
    state: &AppState,
    j: Journaled,
    ids: Option<&context::RequestIds>,
    (status, refusal): (u16, Option<Box<store::journal::Note>>),
) {
    let now = match state.core.sandbox_now_of(j.sandbox).await {
        Ok(t) => t,
        Err(_) => return,
    };
    state
        .core
        .journal_request(store::journal::Record {
            sandbox_id: j.sandbox,
            at_ms: now.timestamp_millis(),
            request_id: ids.map(|i| i.request_id.clone()).unwrap_or_default(),
            correlation_id: ids.map(|i| i.correlation_id.clone()).unwrap_or_default(),
            method: j.method,
            path: j.path,
            operation: std::borrow::Cow::Owned(j.operation),
            status,
            source_ip: String::new(),
            who: j.who,
            surface: j.surface,
            refusal,
        })
        .await;
}

/// The whole application: every surface, with the shared layers. Each surface catches its own
/// panics and limits its own bodies, so both answer in that surface's error format.
pub fn app(state: AppState) -> Router {
    let surfaces = Router::new()
        .merge(health::router())
        .merge(control::router(&state))
        .merge(entra::router())
        .merge(partner_center::router(&state))
        .merge(graph::router(&state))
        .merge(portal::router(&state))
        .merge(openapi::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::request_context,
        ))
        .with_state(state);
    // Paths are made canonical before routing, by the server as it takes each request (routing
    // happens before any layer of the router, and an outer router per request costs a lookup).
    surfaces
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    async fn panicking() -> &'static str {
        panic!("boom")
    }

    async fn status_and_body(router: axum::Router, path: &str) -> (StatusCode, serde_json::Value) {
        let res = router
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    /// No handler panics on input (tests and fuzzing say so); if one ever does, each surface
    /// still answers its own 500 body instead of dropping the connection.
    #[tokio::test]
    async fn a_panic_becomes_the_surfaces_own_500() {
        use tower_http::catch_panic::CatchPanicLayer as Layer;
        let layer = Layer::custom;
        let cp = axum::Router::new()
            .route("/p", get(panicking))
            .layer(layer(crate::control::panicked));
        let (st, body) = status_and_body(cp, "/p").await;
        assert_eq!(
            (st, body["code"].as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, Some("Internal"))
        );
        let pc = axum::Router::new()
            .route("/p", get(panicking))
            .layer(Layer::custom(crate::partner_center::panicked));
        let (st, body) = status_and_body(pc, "/p").await;
        assert_eq!(
            (st, body["code"].as_u64()),
            (StatusCode::INTERNAL_SERVER_ERROR, Some(800003))
        );
        let entra = axum::Router::new()
            .route("/p", get(panicking))
            .layer(Layer::custom(crate::entra::panicked));
        let (st, body) = status_and_body(entra, "/p").await;
        assert_eq!(
            (st, body["error"].as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, Some("server_error"))
        );
    }
}
