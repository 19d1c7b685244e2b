//! The Partner Center API's use-cases: who is calling ([`auth`]), the journal of their requests,
//! profiles, roles and the security-requirements reports. Sandbox-side powers that shape what the
//! API sees (MFA policy, minted tokens) live here too.

pub mod auth;
pub mod cache;
pub mod commerce;
pub mod journal;
pub mod policy;
pub mod profiles;
pub mod reports;
pub mod roles;

use std::sync::Arc;

pub use auth::{AuthError, Principal, PrincipalUser, TokenCache};
pub use cache::{Generation, ReadCache};

/// A partner and its legal profile's etag, by tenant (`None`: the tenant is not a partner).
pub type PartnerCache = ReadCache<domain::TenantId, Option<Arc<(domain::world::Partner, String)>>>;
pub use journal::Journal;
