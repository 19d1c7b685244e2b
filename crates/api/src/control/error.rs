//! Control-plane errors: a JSON problem (RFC 9457) that names the offending field.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use pcsandbox_core::CoreError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    #[serde(skip)]
    pub status: StatusCode,
    /// A stable, machine-readable code: `InvalidField`, `MalformedJson`, `NotFound`, `Conflict`,
    /// `Unauthorized`, `Internal`.
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The portal's own words for a refused action, in both languages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Box<domain::message::Text>>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            title: status.canonical_reason().unwrap_or("Error"),
            detail: detail.into(),
            field: None,
            messages: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        let f = field.into();
        self.field = (!f.is_empty()).then_some(f);
        self
    }

    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidField", detail).with_field(field)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            status: u16,
            #[serde(flatten)]
            problem: &'a Problem,
        }
        let body = serde_json::to_vec(&Body {
            status: self.status.as_u16(),
            problem: &self,
        })
        .unwrap_or_default();
        let note = store::journal::Note {
            code: self.code.to_owned(),
            field: self.field.clone(),
            explanation: self.detail.clone(),
        };
        let mut res = (self.status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        res.extensions_mut().insert(note);
        res
    }
}

impl From<CoreError> for Problem {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::NotFound { what, id, field } => Problem::new(
                StatusCode::NOT_FOUND,
                "NotFound",
                format!("{what} '{id}' was not found"),
            )
            .with_field(field.unwrap_or_default()),
            CoreError::Invalid(f) => Problem::invalid(f.field.clone(), f.to_string()),
            CoreError::Conflict { field, message } => {
                Problem::new(StatusCode::CONFLICT, "Conflict", message).with_field(field)
            }
            CoreError::Refused(r) => {
                let mut p = Problem::new(crate::refusal_status(r.kind), r.code, r.text.en.clone());
                p.field = r.field;
                p.messages = Some(Box::new(r.text));
                p
            }
            CoreError::Fault(f) => {
                let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST);
                let mut p = Problem::new(
                    status,
                    "PartnerCenterError",
                    format!("{} (code {})", f.description, f.code),
                );
                p.field = f.data.into_iter().next();
                p
            }
            CoreError::Graph(g) => Problem::new(
                StatusCode::from_u16(g.status).unwrap_or(StatusCode::BAD_REQUEST),
                g.code,
                g.message,
            ),
            CoreError::Store(e) if e.is_unavailable() => {
                tracing::error!(error = %e, "the database is unavailable");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Unavailable",
                    "the database cannot be reached right now; try again shortly",
                )
            }
            CoreError::Store(e) => {
                tracing::error!(error = %e, "store error");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal",
                    "internal error; see the server log",
                )
            }
        }
    }
}

pub type Result<T> = std::result::Result<T, Problem>;
