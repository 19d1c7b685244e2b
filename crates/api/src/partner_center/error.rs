//! Partner Center's error body, `{"code","description","data","source"}` (SDKDOC `error-codes.md`,
//! NETSDK `ApiFault.cs`), with the codes the reference names. Core errors map here in one place.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::access::Denial;
use pcsandbox_core::partner_center::AuthError;
use pcsandbox_core::CoreError;
use serde_json::{json, Value};

/// The `source` Partner Center writes on its front-door errors.
pub const SOURCE: &str = "PartnerFD";

/// Which body an error is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `{"code","description","data","source"}` with this `source`.
    Standard(&'static str),
    /// The extended form with this `errorName` (e.g. 600061 of customer agreements).
    Extended(&'static str),
}

#[derive(Debug, Clone)]
pub struct PcError {
    pub status: StatusCode,
    pub form: Form,
    pub code: u32,
    pub description: String,
    pub data: Vec<Value>,
    /// Answer with the MFA refusal's HTTP/1 reason phrase ([`MFA_REASON`]).
    pub mfa_reason: bool,
    pub www_authenticate: Option<Box<str>>,
    /// What pcsandbox adds to a documented description (`pcsandbox.explanation`).
    pub explanation: Option<Box<str>>,
}

/// The HTTP/1 status line Partner Center answers an App+User token without MFA with:
/// `HTTP/1.1 401 Unauthorized - MFA required` (PRDE `partner-security-requirements-mandating-mfa.md`).
pub const MFA_REASON: &[u8] = b"Unauthorized - MFA required";

impl PcError {
    pub fn new(status: StatusCode, code: u32, description: impl Into<String>) -> Self {
        Self {
            status,
            form: Form::Standard(SOURCE),
            code,
            description: description.into(),
            data: Vec::new(),
            mfa_reason: false,
            www_authenticate: None,
            explanation: None,
        }
    }

    pub fn explained(mut self, explanation: impl Into<String>) -> Self {
        self.explanation = Some(explanation.into().into_boxed_str());
        self
    }

    pub fn with_data(mut self, data: Vec<Value>) -> Self {
        self.data = data;
        self
    }

    /// 400 for input that could not be read at all.
    pub fn bad_input(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 800002, description)
    }

    /// 400 for a value that breaks a rule, naming the field in `data`.
    pub fn invalid(field: &str, description: impl Into<String>) -> Self {
        let e = Self::new(StatusCode::BAD_REQUEST, 2000, description);
        if field.is_empty() {
            e
        } else {
            e.with_data(vec![json!(field)])
        }
    }

    /// 400 for an enum value that is not one (code 900126, "Unable to parse enum").
    pub fn bad_enum(name: &str, value: &str, allowed: &[&str]) -> Self {
        CoreError::Fault(domain::fault::Fault::bad_enum(name, value, allowed)).into()
    }

    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, 1000, description)
    }

    /// 413 for a body past the limit, in Partner Center's body (code 800002, invalid input).
    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            800002,
            format!(
                "Invalid request input: the body is larger than {} KiB.",
                super::extract::MAX_BODY / 1024
            ),
        )
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, 800003, "Unexpected service error")
    }
}

impl From<AuthError> for PcError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Missing => {
                let mut err = PcError::new(
                    StatusCode::UNAUTHORIZED,
                    800001,
                    "Partner Token missing in request context",
                );
                err.www_authenticate = Some("Bearer".into());
                err
            }
            AuthError::Invalid(reason) => {
                let mut err =
                    PcError::new(StatusCode::UNAUTHORIZED, 400, "Access denied").explained(format!("{reason}."));
                let quoted = reason.replace(['"', '\\'], "'");
                err.www_authenticate =
                    Some(format!("Bearer error=\"invalid_token\", error_description=\"{quoted}\"").into_boxed_str());
                err
            }
            AuthError::Internal => PcError::internal(),
            AuthError::Unavailable => PcError::new(StatusCode::SERVICE_UNAVAILABLE, 800003, "Unexpected service error"),
        }
    }
}

impl From<Denial> for PcError {
    fn from(d: Denial) -> Self {
        match d {
            Denial::MfaRequired => {
                let mut err = PcError::new(
                    StatusCode::UNAUTHORIZED,
                    900421,
                    "Unauthorized - MFA required: the App+User access token was issued without multi-factor \
                     authentication (no 'mfa' in its amr claim). Sign the user in with MFA and call again.",
                );
                err.mfa_reason = true;
                err.www_authenticate = Some("Bearer error=\"invalid_token\"".into());
                err
            }
            Denial::AppOnlyNotSupported => PcError::new(StatusCode::FORBIDDEN, 2032, "Access denied")
                .explained("This operation supports App+User authentication only; app-only tokens are not accepted."),
            Denial::Role => PcError::new(
                StatusCode::FORBIDDEN,
                900150,
                "The supplied role does not have the rights to perform the requested operation",
            ),
        }
    }
}

impl From<CoreError> for PcError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(f) => PcError::invalid(&f.field, f.message),
            CoreError::NotFound { what, id, .. } => match what {
                // GET /v1/profiles/mpn?mpnId= for an unknown ID (SDKDOC `get-partner-by-mpn-id.md`).
                "partner_id" => PcError::new(
                    StatusCode::NOT_FOUND,
                    3000,
                    format!("Partner Organization with partner_id {id} could not be found"),
                ),
                "user" => {
                    PcError::new(StatusCode::NOT_FOUND, 60002, "User object ID is not found").with_data(vec![json!(id)])
                }
                "tenant" | "sandbox" => PcError::new(StatusCode::NOT_FOUND, 60003, "Tenant not found"),
                "partner" => PcError::not_found(format!(
                    "The tenant {id} is not registered as a Microsoft partner, so it has no partner profile."
                )),
                other => PcError::not_found(format!("The {other} '{id}' was not found.")),
            },
            CoreError::Conflict { message, .. } => PcError::new(StatusCode::CONFLICT, 2000, message),
            CoreError::Refused(r) => {
                let e = PcError::new(crate::refusal_status(r.kind), 2000, r.text.en);
                match r.field {
                    Some(f) => e.with_data(vec![json!(f)]),
                    None => e,
                }
            }
            CoreError::Fault(f) => {
                let mut e = PcError::new(
                    StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST),
                    f.code,
                    f.description,
                )
                .with_data(f.data.into_iter().map(Value::String).collect());
                e.explanation = f.explanation.map(String::into_boxed_str);
                e.form = match f.error_name {
                    Some(name) => Form::Extended(name),
                    None => Form::Standard(f.source),
                };
                e
            }
            CoreError::Graph(g) => PcError::new(
                StatusCode::from_u16(g.status).unwrap_or(StatusCode::BAD_REQUEST),
                2000,
                g.message,
            ),
            CoreError::Store(e) if e.is_unavailable() => {
                tracing::error!(error = %e, "the database is unavailable");
                PcError::new(StatusCode::SERVICE_UNAVAILABLE, 800003, "Unexpected service error")
            }
            CoreError::Store(e) => {
                tracing::error!(error = %e, "store failed");
                PcError::internal()
            }
        }
    }
}

impl IntoResponse for PcError {
    fn into_response(self) -> Response {
        // A documented code answers with its documented description; ours becomes the explanation.
        let (description, replaced) = domain::error_codes::conform(self.code, self.description);
        let explanation = match (self.explanation.map(String::from), replaced) {
            (Some(a), Some(b)) => Some(format!("{b} {a}")),
            (a, b) => a.or(b),
        };
        let mut body = match self.form {
            Form::Extended(name) => json!({
                "code": self.code,
                "message": description,
                "description": description,
                "errorName": name,
                "isRetryable": false,
                "parameters": {},
                "errorMessageExtended": format!("InternalErrorCode={}", self.code),
            }),
            Form::Standard(source) => json!({
                "code": self.code,
                "description": description,
                "data": self.data,
                "source": source,
            }),
        };
        // The journal keeps the refusal: the code, the field at fault, and what stood behind it.
        let note = store::journal::Note {
            code: self.code.to_string(),
            field: self.data.first().and_then(Value::as_str).map(str::to_owned),
            explanation: explanation.clone().unwrap_or_else(|| description.clone()),
        };
        if let Some(e) = explanation {
            body["pcsandbox"] = json!({ "explanation": e });
        }
        let mut res = (self.status, super::json_response(&body)).into_response();
        res.extensions_mut().insert(note);
        if self.mfa_reason {
            res.extensions_mut()
                .insert(hyper::ext::ReasonPhrase::from_static(MFA_REASON));
        }
        if let Some(v) = self.www_authenticate.and_then(|v| HeaderValue::from_str(&v).ok()) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        res
    }
}
