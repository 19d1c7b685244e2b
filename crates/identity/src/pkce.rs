//! PKCE (RFC 7636): the code verifier must match the challenge sent to /authorize.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    S256,
    Plain,
}

impl Method {
    /// Entra treats an absent method as `plain`.
    pub fn parse(s: Option<&str>) -> Option<Self> {
        match s {
            None | Some("plain") => Some(Method::Plain),
            Some("S256") => Some(Method::S256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::S256 => "S256",
            Method::Plain => "plain",
        }
    }
}

/// A verifier is 43 to 128 characters of `[A-Za-z0-9-._~]`.
pub fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
}

pub fn matches(method: Method, challenge: &str, verifier: &str) -> bool {
    match method {
        Method::Plain => challenge == verifier,
        Method::S256 => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 appendix B.
    #[test]
    fn s256_matches_the_rfc_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(valid_verifier(verifier));
        assert!(matches(Method::S256, challenge, verifier));
        assert!(!matches(
            Method::S256,
            challenge,
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx"
        ));
        assert!(matches(Method::Plain, verifier, verifier));
        assert_eq!(Method::parse(Some("S512")), None);
        assert_eq!(Method::parse(None), Some(Method::Plain));
        assert!(!valid_verifier("short"));
    }
}
