//! Control-plane input: a JSON body extractor whose rejections are problems naming the field
//! (`scenario.tenants[0].domian`), not axum's plain text. Unknown fields anywhere in a body are
//! refused (so a typo does not silently change a test), as is anything after the JSON value; a
//! body over the limit is a 413.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::Problem;

/// The body limit of the control plane: a scenario is small.
pub const MAX_BODY: usize = 1024 * 1024;

pub struct CpJson<T>(pub T);

/// A path as the control plane names fields: `scenario.tenants[0].contry`.
fn field_path(p: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match p {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", field_path(parent)),
        Path::Map { parent, key } => {
            let parent = field_path(parent);
            if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            }
        }
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => field_path(parent),
    }
}

fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// Deserialises JSON, reporting the path of the value that failed. An empty body reads as `{}`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8], prefix: &str) -> Result<T, Problem> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    // Every body of the control plane is an object: `[]` or `"x"` would otherwise read as an
    // object with every field left out (serde takes a sequence for a struct).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "MalformedJson",
            "the body must be a JSON object",
        ));
    }
    let malformed = |e: serde_json::Error| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "MalformedJson",
            format!("the body is not valid JSON: {e}"),
        )
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut unknown = Vec::new();
    let mut note = |p: serde_ignored::Path<'_>| unknown.push(field_path(&p));
    let value = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(&mut de, &mut note));
    let value: T = value.map_err(|e| {
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
        let field = join(prefix, &path);
        if inner.is_syntax() || inner.is_eof() {
            malformed(inner)
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
    })?;
    // Trailing characters after the value are a malformed body, not something to ignore.
    de.end().map_err(malformed)?;
    if let Some(first) = unknown.first() {
        let field = join(prefix, first);
        return Err(Problem::invalid(field.clone(), format!("{field}: unknown field")));
    }
    Ok(value)
}

/// The body as bytes, or the control plane's problem: 413 past the limit.
pub async fn body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Problem> {
    Bytes::from_request(req, state)
        .await
        .map_err(|e: BytesRejection| match e {
            e if e.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            other => Problem::new(
                StatusCode::BAD_REQUEST,
                "MalformedJson",
                format!("could not read the body: {other}"),
            ),
        })
}

pub fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "TooLarge",
        format!(
            "the body is larger than this endpoint takes ({} KiB; {} MiB for POST /sandbox/v1/sandboxes)",
            MAX_BODY / 1024,
            super::IMPORT_MAX_BODY / 1024 / 1024
        ),
    )
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CpJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body(req, state).await?;
        parse(&bytes, "").map(CpJson)
    }
}

/// Query parameters, parsed into `T`; a bad or unknown one is a problem naming it.
pub struct CpQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for CpQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(q).map(CpQuery).map_err(|e| {
            let msg = e.to_string();
            let field = msg
                .strip_prefix("unknown field `")
                .and_then(|r| r.split('`').next())
                .unwrap_or_default()
                .to_owned();
            Problem::invalid(field, format!("query: {msg}"))
        })
    }
}

/// Who calls the control plane, as `authenticate` found (it runs on every route; a request
/// without it is refused, never taken for an open one).
pub struct Caller(pub domain::team::Access);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Problem> {
        parts
            .extensions
            .get::<domain::team::Access>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", "the caller is not known"))
    }
}
