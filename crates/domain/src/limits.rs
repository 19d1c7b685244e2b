//! Bounds on everything a client can make grow, in one place (README lists them). Scenario and
//! live additions share the sandbox limits; a request past one is refused with a 400 that names
//! it; logs and queues past theirs drop their oldest entries.

use crate::FieldError;

/// Tenants in one sandbox.
pub const MAX_TENANTS: usize = 200;
/// Users in one sandbox (all tenants together).
pub const MAX_USERS: usize = 10_000;
/// App registrations in one sandbox.
pub const MAX_APPS: usize = 200;
/// Verified domains of one tenant.
pub const MAX_VERIFIED_DOMAINS: usize = 50;
/// Redirect URIs of one app (Entra allows 256).
pub const MAX_REDIRECT_URIS: usize = 256;
/// Companies in one sandbox's mock public registry.
pub const MAX_REGISTRY: usize = 1_000;
/// Messages kept in one sandbox's mailbox; older ones are dropped.
pub const MAX_MAILBOX: usize = 10_000;
/// Customers of one sandbox.
pub const MAX_CUSTOMERS: usize = 10_000;
/// Journaled `/v1` requests kept per sandbox unless the server is told otherwise
/// (`--journal-limit`); older ones are dropped.
pub const DEFAULT_JOURNAL: usize = 50_000;

/// Bytes a sandbox's request journal holds at most (its oldest pages go first).
pub const MAX_JOURNAL_BYTES: usize = 64 * 1024 * 1024;
/// Sign-in flows and device codes waiting for a user, per sandbox: `/authorize` and
/// `/devicecode` need no credentials, so without this bound anyone could fill the disk.
pub const MAX_PENDING_SIGN_INS: usize = 10_000;
/// Of those, per client: past it the client's oldest waiting sign-in gives way (a flood with the
/// portal's client id ends its own flows, not the other clients').
pub const MAX_PENDING_SIGN_INS_PER_CLIENT: usize = 1_000;
/// Authorization codes and refresh tokens kept per sandbox; the oldest go first.
pub const MAX_GRANTS: usize = 100_000;

/// Refuses a count past its limit, naming the limit in the message.
pub fn within(field: &str, what: &str, count: usize, max: usize) -> Result<(), FieldError> {
    if count > max {
        return Err(FieldError::new(
            field,
            format!("a sandbox holds at most {max} {what} (limit exceeded: {count})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_past_its_limit_names_the_limit() {
        assert!(within("tenants", "tenants", MAX_TENANTS, MAX_TENANTS).is_ok());
        let e = within("tenants", "tenants", MAX_TENANTS + 1, MAX_TENANTS).unwrap_err();
        assert_eq!(e.field, "tenants");
        assert!(e.message.contains("at most 200 tenants"), "{}", e.message);
    }
}
