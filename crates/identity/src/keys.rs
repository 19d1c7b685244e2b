//! RS256 signing keys and the JWKS that publishes them.
//!
//! Keys are kept in the database (PKCS#1 PEM) so tokens survive a restart. The `kid` is the
//! base64url SHA-1 thumbprint of the public key, shaped like Entra's `kid`/`x5t` values.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::Serialize;
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("RSA key: {0}")]
    Rsa(String),
    #[error("signing: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
}

pub struct SigningKey {
    pub kid: String,
    pem: String,
    n: String,
    e: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh 2048-bit key (Entra's size).
    pub fn generate() -> Result<Self, KeyError> {
        let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| KeyError::Rsa(e.to_string()))?;
        let pem = key
            .to_pkcs1_pem(LineEnding::LF)
            .map_err(|e| KeyError::Rsa(e.to_string()))?;
        Self::from_key(&key, pem.to_string())
    }

    /// A key read back from its PKCS#1 PEM.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let key = RsaPrivateKey::from_pkcs1_pem(pem).map_err(|e| KeyError::Rsa(e.to_string()))?;
        Self::from_key(&key, pem.to_owned())
    }

    fn from_key(key: &RsaPrivateKey, pem: String) -> Result<Self, KeyError> {
        let public = key.to_public_key();
        let der = public.to_pkcs1_der().map_err(|e| KeyError::Rsa(e.to_string()))?;
        let kid = URL_SAFE_NO_PAD.encode(Sha1::digest(der.as_bytes()));
        let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes())?;
        let decoding = DecodingKey::from_rsa_components(&n, &e)?;
        Ok(Self {
            kid,
            pem,
            n,
            e,
            encoding,
            decoding,
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
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.x5t = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
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
