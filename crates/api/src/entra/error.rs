//! Entra's error body: `error`, `error_description` (AADSTS code, trace and correlation ids,
//! timestamp), `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pcsandbox_core::entra::EntraError;
use serde_json::json;

/// An Entra error with the request's correlation id (MSAL's `client-request-id`).
pub struct EntraResponse {
    pub error: EntraError,
    pub correlation_id: String,
    pub base: String,
}

pub fn correlation_id(headers: &HeaderMap) -> String {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| uuid::Uuid::parse_str(v).is_ok())
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

impl IntoResponse for EntraResponse {
    fn into_response(self) -> Response {
        let e = self.error;
        let trace = uuid::Uuid::new_v4().to_string();
        let now = chrono::Utc::now();
        let ts = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
        let desc = format!(
            "AADSTS{}: {} Trace ID: {trace} Correlation ID: {} Timestamp: {}",
            e.code,
            e.description,
            self.correlation_id,
            now.format("%Y-%m-%d %H:%M:%S%.3fZ")
        );
        let mut body = json!({
            "error": e.error,
            "error_description": desc,
            "error_codes": [e.code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": self.correlation_id,
            "error_uri": format!("{}/error?code={}", self.base, e.code),
        });
        if let Some(s) = e.suberror {
            body["suberror"] = json!(s);
        }
        let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
        let note = store::journal::Note {
            code: format!("AADSTS{}", e.code),
            field: None,
            explanation: e.explanation.clone().unwrap_or_else(|| e.description.clone()),
        };
        let mut res = (status, axum::Json(body)).into_response();
        res.extensions_mut().insert(note);
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
        res.headers_mut()
            .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if e.status == 401 {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"pcsandbox\""),
            );
        }
        res
    }
}
