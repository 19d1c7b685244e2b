//! Faults in the answer: a dropped connection (the server closes it without a word, as a crashed
//! front door would) and `Retry-After`.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// Marks a response the server must not send: it closes the connection instead.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// The connection was dropped on purpose (a fault).
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

pub fn dropped() -> Response {
    let mut res = ().into_response();
    res.extensions_mut().insert(DropConnection);
    res
}

pub fn with_retry_after(mut res: Response, seconds: Option<u32>) -> Response {
    if let Some(s) = seconds {
        if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    res
}

/// What the server hands hyper: an answer, or the error that makes hyper close the connection.
pub fn to_result(res: Response) -> Result<Response, Dropped> {
    if res.extensions().get::<DropConnection>().is_some() {
        Err(Dropped)
    } else {
        Ok(res)
    }
}

impl From<std::convert::Infallible> for Dropped {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
