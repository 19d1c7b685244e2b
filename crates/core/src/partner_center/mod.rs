//! The Partner Center API's use-cases: who is calling ([`auth`]), the journal of their requests,
//! profiles, roles and the security-requirements reports. Sandbox-side powers that shape what the
//! API sees (MFA policy, minted tokens) live here too.

pub mod auth;
pub mod commerce;
pub mod journal;
pub mod orders;
pub mod policy;
pub mod profiles;
pub mod reports;
pub mod roles;
pub mod tenancy;

pub use auth::{AuthError, Principal, PrincipalUser, TokenCache};
pub use journal::Journal;
