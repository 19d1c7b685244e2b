//! A Partner Center API error with its documented status, code and exact description, for the
//! rules whose errors the real service spells out (the MPA status check, customer agreements,
//! customer creation). `/v1` renders it as `{"code","description","data","source"}`, or in the
//! extended form (`errorName`, `isRetryable`, ...) where the real API uses that.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    pub status: u16,
    pub code: u32,
    pub description: String,
    pub data: Vec<String>,
    /// `source` of the standard body: `PartnerFD`, `PartnerApiServiceControllers`, `ComplianceController`.
    pub source: &'static str,
    /// The extended form's `errorName`, when the real API answers in that form.
    pub error_name: Option<&'static str>,
    /// What pcsandbox can say beyond the documented description (`pcsandbox.explanation`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

impl Fault {
    pub fn new(status: u16, code: u32, description: impl Into<String>) -> Fault {
        Fault {
            status,
            code,
            description: description.into(),
            data: Vec::new(),
            source: "PartnerFD",
            error_name: None,
            explanation: None,
        }
    }

    /// The documented description of `code` with our explanation beside it.
    pub fn explained(status: u16, code: u32, description: impl Into<String>, explanation: impl Into<String>) -> Fault {
        Fault {
            explanation: Some(explanation.into()),
            ..Fault::new(status, code, description)
        }
    }

    pub fn bad_request(code: u32, description: impl Into<String>) -> Fault {
        Fault::new(400, code, description)
    }

    pub fn with_data(mut self, data: impl IntoIterator<Item = impl Into<String>>) -> Fault {
        self.data = data.into_iter().map(Into::into).collect();
        self
    }

    pub fn from_source(mut self, source: &'static str) -> Fault {
        self.source = source;
        self
    }

    pub fn extended(mut self, error_name: &'static str) -> Fault {
        self.error_name = Some(error_name);
        self
    }

    /// 400, code 900126: a value that is not one of an enum's, in the documented words
    /// ("Unable to parse enum: {0} For more information, please visit {1}"); which values are
    /// allowed is the explanation.
    pub fn bad_enum(name: &str, value: &str, allowed: &[&str]) -> Fault {
        Fault::explained(
            400,
            900126,
            format!(
                "Unable to parse enum: {name} For more information, please visit {}",
                crate::error_codes::ERROR_CODES_URL
            ),
            format!("'{value}' is not one of {}.", allowed.join(", ")),
        )
        .with_data([name])
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.description)
    }
}

impl std::error::Error for Fault {}
