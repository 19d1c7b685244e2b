//! The OpenAPI documents of the emulated surfaces, served as they are in the repository.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::AppState;

pub const PARTNER_CENTER: &str = include_str!("../../../openapi/partner-center.yaml");
pub const SANDBOX: &str = include_str!("../../../openapi/sandbox.yaml");

fn yaml(text: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/yaml; charset=utf-8")], text)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi/partner-center.yaml", get(|| async { yaml(PARTNER_CENTER) }))
        .route("/openapi/sandbox.yaml", get(|| async { yaml(SANDBOX) }))
}
