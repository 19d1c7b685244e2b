//! A user's multi-factor authentication state.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// `registered`: has a TOTP authenticator and must use it at sign-in, so tokens carry `mfa` in `amr`.
/// `unregistered`: signs in with a password only (tokens never carry `mfa`).
/// `required-unregistered`: must register an authenticator at the next interactive sign-in;
/// non-interactive grants are refused until then, as Entra does (AADSTS50079).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum MfaState {
    Registered,
    #[default]
    Unregistered,
    RequiredUnregistered,
}

impl MfaState {
    pub fn as_str(self) -> &'static str {
        match self {
            MfaState::Registered => "registered",
            MfaState::Unregistered => "unregistered",
            MfaState::RequiredUnregistered => "required-unregistered",
        }
    }

    /// Whether the user has a TOTP secret.
    pub fn has_authenticator(self) -> bool {
        matches!(self, MfaState::Registered)
    }
}

impl fmt::Display for MfaState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MfaState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            MfaState::Registered,
            MfaState::Unregistered,
            MfaState::RequiredUnregistered,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
        .ok_or_else(|| format!("unknown MFA state '{s}'; expected registered, unregistered or required-unregistered"))
    }
}
