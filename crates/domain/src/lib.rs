//! Pure rules and types of pcsandbox: no I/O, no async, no clock reads.
//!
//! Functions take `now` when time matters and return new state; every rule here is a plain unit test.

pub mod access;
pub mod calendar;
pub mod catalog;
pub mod clock;
pub mod commerce;
pub mod csp;
pub mod customer;
pub mod error;
pub mod error_codes;
pub mod etag;
pub mod fault;
pub mod gdap;
pub mod ids;
pub mod injection;
pub mod input;
pub mod licensing;
pub mod limits;
pub mod lockout;
pub mod mail;
pub mod mail_domain;
pub mod market;
pub mod message;
pub mod mfa;
pub mod mfa_report;
pub mod names;
pub mod outbound;
pub mod paging;
pub mod partner_id;
pub mod profile;
pub mod program;
pub mod registry;
pub mod role;
pub mod scenario;
pub mod team;
pub mod verification;
pub mod vetting;
pub mod webhooks;
pub mod world;

pub use error::{DomainError, FieldError};
pub use ids::{AppId, SandboxId, TenantId, UserId};
pub use mfa::MfaState;
pub use partner_id::PartnerId;
pub use role::Role;
