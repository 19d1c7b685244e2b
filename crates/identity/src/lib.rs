//! Mock Entra ID crypto: credentials, TOTP, PKCE, signing keys, token claims and verification.
//! It knows no HTTP: the API surface calls it.

pub mod claims;
pub mod keys;
pub mod pkce;
pub mod random;
pub mod secrets;
pub mod totp;
pub mod verify;

pub use keys::{KeySet, SigningKey};
pub use random::{OsRandom, Random, SeededRandom};
pub use verify::{verify, VerifyError};
