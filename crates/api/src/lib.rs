//! The HTTP surfaces of pcsandbox (axum): each module exposes `router()`, [`app`] merges them,
//! adds the layers and sets the state once. [`Server`] binds and runs them.

pub mod context;
pub mod control;
pub mod health;
pub mod server;
pub mod settings;

use std::sync::Arc;

use axum::Router;
use pcsandbox_core::Core;

pub use server::Server;
pub use settings::Settings;

/// Base URLs the server is reachable at, as clients should use them.
#[derive(Debug, Clone)]
pub struct Urls {
    pub http: String,
}

impl Urls {
    /// The authority base for identity clients (MSAL wants HTTPS; until then, plain HTTP).
    pub fn authority(&self) -> &str {
        &self.http
    }

    pub fn partner_center(&self) -> &str {
        &self.http
    }
}

#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub urls: Arc<Urls>,
    pub settings: Arc<Settings>,
}

/// The whole application: every surface, with the shared layers.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(health::router())
        .merge(control::router(&state))
        .layer(axum::middleware::from_fn(context::request_context))
        .with_state(state)
}
