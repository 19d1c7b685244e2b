//! Passwords and client secrets: generated, shown once, stored as salted hashes.
//!
//! The hash is a salted SHA-256, not a slow KDF: these are throw-away credentials of a local test
//! sandbox, and creating a sandbox (which hashes every user's password) must take well under a
//! millisecond. The stored form still never reveals the secret.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::Random;

const SCHEME: &str = "sha256";

/// `sha256$<salt>$<digest>`, both base64.
pub fn hash(random: &dyn Random, secret: &str) -> String {
    let salt = random.bytes(16);
    format!(
        "{SCHEME}${}${}",
        STANDARD_NO_PAD.encode(&salt),
        STANDARD_NO_PAD.encode(digest(&salt, secret))
    )
}

/// Compares in constant time with respect to the secret's content.
pub fn verify(stored: &str, secret: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(SCHEME), Some(salt), Some(want), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(salt), Ok(want)) = (STANDARD_NO_PAD.decode(salt), STANDARD_NO_PAD.decode(want)) else {
        return false;
    };
    use subtle::ConstantTimeEq;
    digest(&salt, secret).ct_eq(&want).into()
}

fn digest(salt: &[u8], secret: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(secret.as_bytes());
    h.finalize().to_vec()
}

/// A password that satisfies Entra's complexity rule (upper, lower, digit, symbol; 16 characters).
pub fn generate_password(random: &dyn Random) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let body: String = random
        .bytes(12)
        .iter()
        .map(|b| ALNUM[*b as usize % ALNUM.len()] as char)
        .collect();
    let digit = (b'2' + (random.below(8) as u8)) as char;
    format!("Pc{body}{digit}!")
}

/// A client secret shaped like Entra's (40 characters, with a `~` after the 3-character hint).
pub fn generate_client_secret(random: &dyn Random) -> String {
    let raw = URL_SAFE_NO_PAD.encode(random.bytes(30));
    let raw: String = raw.chars().map(|c| if c == '-' { '.' } else { c }).collect();
    format!("{}~{}", &raw[..3], &raw[3..39])
}

/// A 160-bit base32 TOTP secret (what authenticator apps use).
pub fn generate_totp_secret(random: &dyn Random) -> String {
    data_encoding::BASE32_NOPAD.encode(&random.bytes(20))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededRandom;

    #[test]
    fn hashes_verify_only_the_right_secret() {
        let r = SeededRandom::new(1);
        let h = hash(&r, "s3cret-Password");
        assert!(h.starts_with("sha256$"));
        assert!(!h.contains("s3cret"));
        assert!(verify(&h, "s3cret-Password"));
        assert!(!verify(&h, "s3cret-password"));
        assert!(!verify("garbage", "x"));
        assert!(!verify("sha256$%%$%%", "x"));
        assert_ne!(hash(&r, "same"), hash(&r, "same"), "salted");
    }

    #[test]
    fn generated_credentials_have_the_expected_shape() {
        let r = SeededRandom::new(2);
        let p = generate_password(&r);
        assert_eq!(p.len(), 16);
        assert!(p.chars().any(|c| c.is_ascii_uppercase()) && p.chars().any(|c| c.is_ascii_lowercase()));
        assert!(p.chars().any(|c| c.is_ascii_digit()) && p.ends_with('!'));
        let s = generate_client_secret(&r);
        assert_eq!(s.len(), 40);
        assert_eq!(&s[3..4], "~");
        let t = generate_totp_secret(&r);
        assert_eq!(t.len(), 32);
        assert!(domain::scenario::totp_secret("t", &t).is_ok());
    }
}
