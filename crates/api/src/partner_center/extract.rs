//! Extractors of the `/v1` surface. Input is read as Partner Center reads it: property names in
//! any case (the .NET SDK sends PascalCase, responses are camelCase), query parameter names too;
//! malformed input gets Partner Center's error body.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use domain::paging::{self, PagingError};
use domain::vetting::enum_key;
use pcsandbox_core::partner_center::Principal;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::collection::Paged;
use super::error::PcError;

/// The verified caller the gate let through.
pub struct Caller(pub Arc<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = PcError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Arc<Principal>>()
            .cloned()
            .map(Caller)
            .ok_or_else(PcError::internal)
    }
}

/// Bodies are small documents.
pub const MAX_BODY: usize = 256 * 1024;

/// A JSON body whose property names match in any case: every key is reduced to its
/// [`enum_key`] (ASCII letters and digits, lower-cased) before deserialising into a type whose
/// fields are named that way.
pub struct PcJson<T>(pub T);

fn normalise_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (enum_key(&k), normalise_keys(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(normalise_keys).collect()),
        other => other,
    }
}

pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PcError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| PcError::bad_input(format!("Invalid request input: the body is not valid JSON ({e}).")))?;
    if !value.is_object() {
        return Err(PcError::bad_input(
            "Invalid request input: the body must be a JSON object.",
        ));
    }
    serde_path_to_error::deserialize(normalise_keys(value)).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        PcError::bad_input(format!("Invalid request input: {path}: {msg}.")).with_data(vec![Value::String(path)])
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PcJson<T> {
    type Rejection = PcError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                PcError::too_large()
            } else {
                PcError::bad_input(format!("Invalid request input: could not read the body ({e})."))
            }
        })?;
        parse_body(&bytes).map(PcJson)
    }
}

/// Query parameters by lower-cased name; later repeats win.
pub struct PcQuery(pub HashMap<String, String>);

impl PcQuery {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PcQuery {
    type Rejection = PcError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q)
            .map_err(|e| PcError::bad_input(format!("Invalid request input: the query string is malformed ({e}).")))?;
        Ok(PcQuery(
            pairs.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect(),
        ))
    }
}

/// Which page of a collection is asked for: `size` (0 or absent: the default page) and the
/// list's parameters for the first page; `seekOperation` with the `MS-ContinuationToken` header
/// that a previous page gave for the others (the token keeps size and parameters).
pub fn paging<'a>(
    q: &PcQuery,
    headers: &axum::http::HeaderMap,
    scope: &'a str,
    params: Option<&str>,
    max: usize,
) -> Result<Paged<'a>, PcError> {
    let size = match q.get("size").map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            s.parse::<i64>()
                .map_err(|_| PcError::invalid("size", format!("size must be a number, not '{s}'.")))?,
        ),
    };
    let token = headers.get("ms-continuationtoken").and_then(|v| v.to_str().ok());
    let resolved = paging::page_size(size, max)
        .and_then(|size| {
            paging::resolve(
                scope,
                size,
                paging::DEFAULT_PAGE_SIZE.min(max),
                q.get("seekOperation"),
                token,
                params,
            )
        })
        .map_err(|e| match e {
            PagingError::Size(m) => PcError::invalid("size", m),
            PagingError::Seek(m) => PcError::invalid("seekOperation", m),
            PagingError::Token(m) => PcError::invalid("MS-ContinuationToken", m),
            PagingError::Params(m) => PcError::invalid("filter", m),
        })?;
    Ok(Paged {
        scope,
        page: resolved.page,
        params: resolved.params,
    })
}
