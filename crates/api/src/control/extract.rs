//! A JSON body extractor whose rejections are control-plane problems naming the field
//! (`scenario.tenants[0].domian`), not axum's plain text.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::Problem;

/// The body limit of the control plane: a scenario is small.
const MAX_BODY: usize = 1024 * 1024;

pub struct CpJson<T>(pub T);

/// Deserialises JSON, reporting the path of the value that failed. An empty body reads as `{}`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8], prefix: &str) -> Result<T, Problem> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        // serde reports a missing field at its parent's path; name the field itself.
        let missing = msg.strip_prefix("missing field `").and_then(|r| r.split('`').next());
        let path = match (path.as_str(), missing) {
            (".", Some(m)) => m.to_owned(),
            (".", None) => String::new(),
            (p, Some(m)) => format!("{p}.{m}"),
            (p, None) => p.to_owned(),
        };
        let field = match (prefix.is_empty(), path.is_empty()) {
            (true, _) => path,
            (false, true) => prefix.to_owned(),
            (false, false) => format!("{prefix}.{path}"),
        };
        if inner.is_syntax() || inner.is_eof() {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "MalformedJson",
                format!("the body is not valid JSON: {inner}"),
            )
        } else {
            // serde's message already names unknown fields and variants; drop its line/column suffix.
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            let detail = if field.is_empty() {
                msg
            } else {
                format!("{field}: {msg}")
            };
            Problem::invalid(field, detail)
        }
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CpJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "MalformedJson",
                format!("could not read the body: {e}"),
            )
        })?;
        if bytes.len() > MAX_BODY {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "TooLarge",
                "the body is larger than 1 MiB",
            ));
        }
        parse(&bytes, "").map(CpJson)
    }
}
