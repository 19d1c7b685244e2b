//! Identifier newtypes. Tenants, users and apps have globally unique GUIDs, so a token's `tid`
//! or an app's client id names its sandbox without any extra header.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! guid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Entra writes GUIDs lower-case and hyphenated.
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

guid_id!(
    /// An isolated world: its tenants, users, apps, partners, mailbox, clock and journal.
    SandboxId
);
guid_id!(
    /// An Entra tenant (directory) id, the `tid` claim.
    TenantId
);
guid_id!(
    /// An Entra user object id, the `oid` claim.
    UserId
);
guid_id!(
    /// An app registration's client (application) id, the `appid`/`azp` claim.
    AppId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_as_lowercase_hyphenated_guids() {
        let id: TenantId = "6F1A2B3C-0000-4000-8000-00000000000A".parse().unwrap();
        assert_eq!(id.to_string(), "6f1a2b3c-0000-4000-8000-00000000000a");
        assert!("not-a-guid".parse::<UserId>().is_err());
    }
}
