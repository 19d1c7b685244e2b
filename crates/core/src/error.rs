//! What a use-case can refuse. Each surface maps these to its own wire errors in one place.

use domain::{DomainError, FieldError};
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{what} '{id}' was not found")]
    NotFound {
        what: &'static str,
        id: String,
        field: Option<String>,
    },
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The request conflicts with existing state (a taken name, domain or UPN).
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// An action the portal refuses, with its message (ja-JP and en-US).
    #[error(transparent)]
    Refused(#[from] domain::message::Refusal),
    /// A Partner Center error the real API documents (status, code and exact description).
    #[error(transparent)]
    Fault(#[from] domain::fault::Fault),
    /// A Microsoft Graph error (the GDAP surface).
    #[error("{}", .0.message)]
    Graph(domain::gdap::GraphError),
    #[error(transparent)]
    Store(StoreError),
}

impl CoreError {
    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            what,
            id: id.to_string(),
            field: None,
        }
    }

    /// The refusal's stable code: a refusal's own (`GlobalAdminRequired`), a Partner Center
    /// error's number (`2000`), or the kind (`InvalidField`, `NotFound`, `Conflict`).
    pub fn code(&self) -> String {
        match self {
            CoreError::Refused(r) => r.code.to_owned(),
            CoreError::Fault(f) => f.code.to_string(),
            CoreError::Invalid(_) => "InvalidField".into(),
            CoreError::NotFound { .. } => "NotFound".into(),
            CoreError::Conflict { .. } => "Conflict".into(),
            CoreError::Graph(g) => g.code.to_owned(),
            CoreError::Store(_) => "Internal".into(),
        }
    }

    /// The input field at fault, where there is one.
    pub fn field(&self) -> Option<&str> {
        let f = match self {
            CoreError::Refused(r) => r.field.as_deref(),
            CoreError::Invalid(f) => Some(f.field.as_str()),
            CoreError::NotFound { field, .. } => field.as_deref(),
            CoreError::Conflict { field, .. } => Some(field.as_str()),
            CoreError::Fault(f) => f.data.first().map(String::as_str),
            CoreError::Graph(_) | CoreError::Store(_) => None,
        };
        f.filter(|f| !f.is_empty())
    }

    /// The HTTP status the control plane answers this error with.
    pub fn status(&self) -> u16 {
        match self {
            CoreError::Refused(r) => r.kind.status(),
            CoreError::Fault(f) => f.status,
            CoreError::Invalid(_) => 400,
            CoreError::NotFound { .. } => 404,
            CoreError::Conflict { .. } => 409,
            CoreError::Graph(g) => g.status,
            CoreError::Store(e) if e.is_unavailable() => 503,
            CoreError::Store(_) => 500,
        }
    }

    /// The same error seen from one level up: its field under `prefix` (`scenario.steps[2]`).
    pub fn within(self, prefix: &str) -> Self {
        let under = |f: Option<String>| match f.filter(|f| !f.is_empty()) {
            Some(f) if f.starts_with('[') => format!("{prefix}{f}"),
            Some(f) => format!("{prefix}.{f}"),
            None => prefix.to_owned(),
        };
        match self {
            CoreError::Invalid(f) => CoreError::Invalid(f.within(prefix)),
            CoreError::Refused(mut r) => {
                r.field = Some(under(r.field.take()));
                CoreError::Refused(r)
            }
            CoreError::NotFound { what, id, field } => CoreError::NotFound {
                what,
                id,
                field: Some(under(field)),
            },
            CoreError::Conflict { field, message } => CoreError::Conflict {
                field: under(Some(field)),
                message,
            },
            other => other,
        }
    }

    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            // A unique index refused a write that our own checks let through: another request won the race.
            StoreError::Conflict(m) => CoreError::Conflict {
                field: String::new(),
                message: m,
            },
            other => CoreError::Store(other),
        }
    }
}

impl From<DomainError> for CoreError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(f) => CoreError::Invalid(f),
            DomainError::Duplicate { field, what, value } => CoreError::Conflict {
                field,
                message: format!("{what} '{value}' already exists"),
            },
        }
    }
}

impl From<domain::customer::CustomerError> for CoreError {
    fn from(e: domain::customer::CustomerError) -> Self {
        match e {
            domain::customer::CustomerError::Field(f) => CoreError::Invalid(f),
            domain::customer::CustomerError::Fault(f) => CoreError::Fault(f),
        }
    }
}

pub type Result<T> = std::result::Result<T, CoreError>;
