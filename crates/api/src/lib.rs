//! The HTTP surfaces of pcsandbox (axum): each module exposes `router()`, [`app`] merges them,
//! adds the layers and sets the state once. [`Server`] binds and runs them.

pub mod context;
pub mod control;
pub mod entra;
pub mod health;
pub mod openapi;
pub mod partner_center;
pub mod portal;
pub mod server;
pub mod settings;
pub mod tls;

use std::sync::Arc;

use axum::Router;
use pcsandbox_core::Core;

pub use server::Server;
pub use settings::Settings;

/// The HTTP status of a refused action, the same on every surface.
pub(crate) fn refusal_status(kind: domain::message::RefusalKind) -> axum::http::StatusCode {
    use axum::http::StatusCode;
    use domain::message::RefusalKind;
    match kind {
        RefusalKind::Invalid => StatusCode::BAD_REQUEST,
        RefusalKind::Forbidden => StatusCode::FORBIDDEN,
        RefusalKind::NotFound => StatusCode::NOT_FOUND,
        RefusalKind::Conflict => StatusCode::CONFLICT,
    }
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

#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub urls: Arc<Urls>,
    pub settings: Arc<Settings>,
    /// The local CA's PEM, when the server generated its certificate.
    pub ca_pem: Option<Arc<str>>,
}

/// The whole application: every surface, with the shared layers.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(health::router())
        .merge(control::router(&state))
        .merge(entra::router())
        .merge(partner_center::router(&state))
        .merge(portal::router())
        .merge(openapi::router())
        .layer(axum::middleware::from_fn(context::request_context))
        .with_state(state)
}
