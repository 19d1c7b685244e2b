//! RS256 signing keys and the JWKS that publishes them.
//!
//! Keys are kept in the database as PEM (PKCS#8 for keys made now, PKCS#1 for keys made by
//! earlier versions) so tokens survive a restart. The `kid` is the base64url SHA-1 thumbprint of
//! the public key (PKCS#1 DER), shaped like Entra's `kid`/`x5t` values.
//!
//! Signing goes straight to aws-lc-rs with the parsed key pair kept in memory: token issuance is
//! bound by RSA signing, and aws-lc signs about twice as fast as ring or RustCrypto on one core
//! (4.9k against 2.4k signatures/s here), at OpenSSL's speed. jsonwebtoken re-parses the private
//! key on every signature, so it only verifies (see [`crate::verify`]).

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::DecodingKey;
use serde::Serialize;
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("RSA key: {0}")]
    Rsa(String),
    #[error("signing: {0}")]
    Sign(String),
}

pub struct SigningKey {
    pub kid: String,
    pem: String,
    n: String,
    e: String,
    pair: KeyPair,
    /// The header every token signed by this key carries, base64url-encoded once.
    header_b64: String,
    decoding: DecodingKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn rsa_err(e: impl std::fmt::Display) -> KeyError {
    KeyError::Rsa(e.to_string())
}

impl SigningKey {
    /// A fresh 2048-bit key (Entra's size).
    pub fn generate() -> Result<Self, KeyError> {
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(rsa_err)?;
        let der = pair.as_der().map_err(rsa_err)?;
        let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec()));
        Self::from_pair(pair, pem)
    }

    /// A key read back from its PEM: PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`).
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let parsed = pem::parse(text).map_err(rsa_err)?;
        let pair = match parsed.tag() {
            "PRIVATE KEY" => KeyPair::from_pkcs8(parsed.contents()).map_err(rsa_err)?,
            "RSA PRIVATE KEY" => KeyPair::from_der(parsed.contents()).map_err(rsa_err)?,
            other => {
                return Err(KeyError::Rsa(format!(
                    "a PEM '{other}' block is not an RSA private key"
                )))
            }
        };
        Self::from_pair(pair, text.to_owned())
    }

    fn from_pair(pair: KeyPair, pem: String) -> Result<Self, KeyError> {
        let public = pair.public_key();
        let kid = URL_SAFE_NO_PAD.encode(Sha1::digest(public.as_ref()));
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        let decoding = DecodingKey::from_rsa_components(&n, &e).map_err(rsa_err)?;
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": kid, "x5t": kid});
        let header_b64 = URL_SAFE_NO_PAD.encode(header.to_string());
        Ok(Self {
            kid,
            pem,
            n,
            e,
            pair,
            header_b64,
            decoding,
            rng: SystemRandom::new(),
        })
    }

    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The JWK as Entra publishes it.
    pub fn jwk(&self) -> Value {
        json!({"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid, "n": self.n, "e": self.e, "alg": "RS256"})
    }

    /// Signs claims as an RS256 JWT with `typ`, `alg`, `kid` and `x5t` in the header.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, KeyError> {
        let payload = serde_json::to_vec(claims).map_err(|e| KeyError::Sign(e.to_string()))?;
        let mut token = String::with_capacity(self.header_b64.len() + payload.len() * 4 / 3 + 350);
        token.push_str(&self.header_b64);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, token.as_bytes(), &mut signature)
            .map_err(|e| KeyError::Sign(e.to_string()))?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(token)
    }

    /// An RSA PKCS#1 v1.5 SHA-256 signature of `data` (webhook callbacks' `Signature`).
    pub fn sign_bytes(&self, data: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, data, &mut signature)
            .map_err(|e| KeyError::Sign(e.to_string()))?;
        Ok(signature)
    }

    pub(crate) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}

/// The keys tokens are signed with: the newest signs, all verify.
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<SigningKey>,
}

impl KeySet {
    /// `keys` oldest first; must not be empty.
    pub fn new(keys: Vec<SigningKey>) -> Option<Self> {
        (!keys.is_empty()).then_some(Self { keys })
    }

    pub fn active(&self) -> &SigningKey {
        // Non-empty by construction.
        &self.keys[self.keys.len() - 1]
    }

    pub fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    pub fn jwks(&self) -> Value {
        json!({"keys": self.keys.iter().rev().map(SigningKey::jwk).collect::<Vec<_>>()})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_their_pem_with_the_same_kid() {
        let k = SigningKey::generate().unwrap();
        assert!(k.pem().starts_with("-----BEGIN PRIVATE KEY-----"));
        let back = SigningKey::from_pem(k.pem()).unwrap();
        assert_eq!(back.kid, k.kid);
        assert_eq!(back.jwk(), k.jwk());
        assert!(SigningKey::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").is_err());
    }

    /// Databases made by earlier versions hold PKCS#1 keys (`openssl genrsa -traditional 2048`
    /// makes one); their `kid` must not change, or every token issued before an upgrade breaks.
    /// The expected value is `openssl rsa -RSAPublicKey_out -outform DER | sha1`, base64url.
    #[test]
    fn pkcs1_keys_of_earlier_versions_keep_their_kid() {
        let k = SigningKey::from_pem(include_str!("testdata/pkcs1.pem")).unwrap();
        assert_eq!(k.kid, "rIhE0im6HI4XNq8tK4uc3RnZA18");
        let jwt = k.sign(&json!({"a": 1})).unwrap();
        assert_eq!(jwt.split('.').count(), 3);
    }
}
