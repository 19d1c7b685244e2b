//! Mock Entra ID crypto: credentials, TOTP, signing keys, token claims and verification.
//! It knows no HTTP: the API surface calls it.

pub mod random;
pub mod secrets;
pub mod totp;

pub use random::{OsRandom, Random, SeededRandom};
