//! Per-request context: request and correlation ids (echoed when the client sent them, generated
//! otherwise), one tracing span per request that carries the request id (so every line a request
//! logs, its errors and panics included, can be found by it), and the access line: at DEBUG, or
//! at INFO with `--access-log`. Server errors are always logged at ERROR.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::AppState;

pub static MS_REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
pub static MS_CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");

/// The ids of the request being served, available to handlers as an extension.
#[derive(Debug, Clone)]
pub struct RequestIds {
    pub request_id: String,
    pub correlation_id: String,
}

fn header_or_new(req: &Request, name: &HeaderName) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

pub async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    // A name that is not the server's is another site's (DNS rebinding): 421, on every surface.
    let authority = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    if let Some(a) = authority {
        if !state.names.host_ok(a) {
            return misdirected(a);
        }
    }
    // HTTP/2 names the host in the URI only: give it as `Host` too, so every handler reads the
    // name the browser used one way (the portal's origin and its cookies' `Secure` follow it).
    if !req.headers().contains_key(axum::http::header::HOST) {
        if let Some(v) = req
            .uri()
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        {
            req.headers_mut().insert(axum::http::header::HOST, v);
        }
    }
    let ids = RequestIds {
        request_id: header_or_new(&req, &MS_REQUEST_ID),
        correlation_id: header_or_new(&req, &MS_CORRELATION_ID),
    };
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    // Only the id in the span: its fields are formatted for every request.
    let span = tracing::info_span!("request", request_id = %ids.request_id);
    req.extensions_mut().insert(ids.clone());
    let mut res = next.run(req).instrument(span.clone()).await;
    for (name, value) in [
        (&MS_REQUEST_ID, &ids.request_id),
        (&MS_CORRELATION_ID, &ids.correlation_id),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            res.headers_mut().insert(name.clone(), v);
        }
    }
    let status = res.status().as_u16();
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let _entered = span.enter();
    if status >= 500 {
        tracing::error!(%method, %path, status, latency_us, "request failed");
    } else if state.settings.access_log {
        tracing::info!(%method, %path, status, latency_us, "request");
    } else {
        tracing::debug!(%method, %path, status, latency_us, "request");
    }
    res
}

/// 421 Misdirected Request: this server does not answer to that name.
fn misdirected(authority: &str) -> Response {
    let shown: String = authority.chars().take(100).filter(|c| !c.is_control()).collect();
    let body = serde_json::json!({
        "status": 421,
        "code": "MisdirectedRequest",
        "title": "Misdirected Request",
        "detail": format!(
            "this server does not answer to the name '{shown}': use localhost, 127.0.0.1, [::1], \
             an address it listens on, its --public-url or a --tls-san name"
        ),
    });
    let mut res = (axum::http::StatusCode::MISDIRECTED_REQUEST, axum::Json(body)).into_response();
    res.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}
