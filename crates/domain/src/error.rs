//! Errors that say which rule was broken and, for input, which field broke it.

/// A value supplied by a caller broke a rule. `field` is a JSON path such as
/// `tenants[0].users[1].userPrincipalName`, so the control plane can name it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error seen from one level up: `users[1]` + `.roles` etc.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.to_owned()
        } else if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error("{what} '{value}' already exists")]
    Duplicate {
        field: String,
        what: &'static str,
        value: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_builds_json_paths() {
        let e = FieldError::new("userPrincipalName", "bad")
            .within("users[1]")
            .within("tenants[0]");
        assert_eq!(e.field, "tenants[0].users[1].userPrincipalName");
        let e = FieldError::new("", "bad").within("roles");
        assert_eq!(e.field, "roles");
    }
}
