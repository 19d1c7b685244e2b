//! What the portal says, in both languages it speaks here: one [`Text`] per message, so that
//! labels and refusals come from one table and never drift apart between ja-JP and en-US.

use serde::{Deserialize, Serialize};

/// A message in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    #[serde(rename = "ja-JP")]
    pub ja: String,
    #[serde(rename = "en-US")]
    pub en: String,
}

impl Text {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            ja: ja.into(),
            en: en.into(),
        }
    }
}

/// Why the portal would refuse an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The input is incomplete or wrong.
    Invalid,
    /// The user may not do this (role).
    Forbidden,
    /// The thing does not exist.
    NotFound,
    /// Not now: the state does not allow it.
    Conflict,
}

impl RefusalKind {
    /// The HTTP status a refusal of this kind answers with.
    pub fn status(self) -> u16 {
        match self {
            RefusalKind::Invalid => 400,
            RefusalKind::Forbidden => 403,
            RefusalKind::NotFound => 404,
            RefusalKind::Conflict => 409,
        }
    }
}

/// An action the portal refuses, with the portal's message; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", text.en)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// A stable name for scripts (`GlobalAdminRequired`, `AlreadyRegistered`, ...).
    pub code: &'static str,
    /// The input field at fault, when there is one.
    pub field: Option<String>,
    pub text: Text,
}

impl Refusal {
    pub fn new(kind: RefusalKind, code: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Refusal {
        Refusal {
            kind,
            code,
            field: None,
            text: Text::new(ja, en),
        }
    }

    pub fn on(mut self, field: impl Into<String>) -> Refusal {
        self.field = Some(field.into());
        self
    }

    /// The portal's message for a required field left empty.
    pub fn required(field: &str) -> Refusal {
        Refusal::new(
            RefusalKind::Invalid,
            "Required",
            "この項目は必須です。",
            "This field is required.",
        )
        .on(field)
    }
}
