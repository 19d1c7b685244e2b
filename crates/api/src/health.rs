//! Liveness and readiness.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/sandbox/v1/ca.pem", get(ca_pem))
}

/// The process is up and serving.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// The database answers.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    match state.core.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "reason": "database"})),
            )
        }
    }
}

/// The local CA certificate clients should trust. Public by nature, so open even off loopback.
async fn ca_pem(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match &state.ca_pem {
        Some(pem) => (
            [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")],
            pem.to_string(),
        )
            .into_response(),
        None => crate::control::Problem::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "this server uses its own certificate (--tls-cert), not the local CA",
        )
        .into_response(),
    }
}
