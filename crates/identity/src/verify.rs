//! Access-token verification for the API surface: signature (RS256 with a known `kid`), issuer,
//! audience, expiry and not-before against the sandbox clock. Knows no HTTP. That the token's
//! tenant belongs to the sandbox being called is the caller's check (it knows the sandboxes).

use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use crate::keys::KeySet;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's algorithm '{0}' is not accepted; only RS256 is")]
    Algorithm(String),
    #[error("the token is signed with an unknown key")]
    UnknownKey,
    #[error("the token's signature is invalid")]
    Signature,
    #[error("the token's audience is not accepted")]
    Audience,
    #[error("the token's issuer is not accepted")]
    Issuer,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
}

/// Verifies `token` and returns its claims. `issuer_bases` are the authority base URLs the
/// server is known by; the issuer must be `{base}/{tid}/` or `{base}/{tid}/v2.0` for the
/// token's own `tid`. `now` is the sandbox clock (unix seconds), which the caller may only know
/// after reading `tid`: see [`peek_tenant`].
pub fn verify(
    keys: &KeySet,
    token: &str,
    audiences: &[&str],
    issuer_bases: &[&str],
    now: i64,
) -> Result<Map<String, Value>, VerifyError> {
    // The header is read without trusting it: `alg: none`, HS256 with the public key as the
    // HMAC secret (the classic confusion attack) and unknown kids all stop here.
    let raw_header = segment_json(token, 0).ok_or(VerifyError::Malformed)?;
    let alg = raw_header.get("alg").and_then(Value::as_str).unwrap_or_default();
    if alg != "RS256" {
        return Err(VerifyError::Algorithm(alg.to_owned()));
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
    let kid = header.kid.ok_or(VerifyError::UnknownKey)?;
    let key = keys.by_kid(&kid).ok_or(VerifyError::UnknownKey)?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(audiences);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, key.decoding(), &v).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::InvalidSignature => VerifyError::Signature,
            K::InvalidAudience => VerifyError::Audience,
            K::InvalidAlgorithm => VerifyError::Algorithm("?".into()),
            _ => VerifyError::Malformed,
        }
    })?;
    let claims = data.claims;
    if !claims.contains_key("aud") {
        return Err(VerifyError::Audience);
    }
    let tid = claims.get("tid").and_then(Value::as_str).ok_or(VerifyError::Issuer)?;
    let iss = claims.get("iss").and_then(Value::as_str).ok_or(VerifyError::Issuer)?;
    let ok_iss = issuer_bases
        .iter()
        .any(|b| iss == format!("{b}/{tid}/") || iss == format!("{b}/{tid}/v2.0"));
    if !ok_iss {
        return Err(VerifyError::Issuer);
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(VerifyError::Malformed)?;
    if now >= exp {
        return Err(VerifyError::Expired);
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_i64) {
        if now < nbf {
            return Err(VerifyError::NotYetValid);
        }
    }
    Ok(claims)
}

/// One dot-separated segment of a JWT, base64url-decoded and parsed, trusting nothing.
fn segment_json(token: &str, index: usize) -> Option<Value> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let part = token.split('.').nth(index)?;
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The `tid` claim of a token, read without verifying anything (to find the sandbox whose clock
/// the verification then uses). Never trust the result before [`verify`] succeeds.
pub fn peek_tenant(token: &str) -> Option<String> {
    peek_claim(token, "tid")
}

/// A string claim of a token, read without verifying it (to route a request or name an app,
/// never to trust what it says).
pub fn peek_claim(token: &str, claim: &str) -> Option<String> {
    segment_json(token, 1)?.get(claim)?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{self, AccessTokenSpec, UserClaims};
    use crate::keys::SigningKey;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use domain::{AppId, TenantId, UserId};
    use std::sync::OnceLock;

    fn keys() -> &'static KeySet {
        static K: OnceLock<KeySet> = OnceLock::new();
        K.get_or_init(|| KeySet::new(vec![SigningKey::generate().unwrap()]).unwrap())
    }

    const BASE: &str = "https://127.0.0.1:8443";

    fn token(now: i64) -> String {
        let user = UserClaims {
            id: UserId(uuid::Uuid::new_v4()),
            upn: "a@b.c".into(),
            name: "A".into(),
            mfa: true,
        };
        let c = claims::access_token(&AccessTokenSpec {
            issuer_base: BASE,
            tenant_id: TenantId(uuid::Uuid::new_v4()),
            resource: claims::PARTNER_CENTER_RESOURCE,
            client_id: AppId(uuid::Uuid::new_v4()),
            confidential: false,
            user: Some(&user),
            issued_at: now,
            lifetime_secs: 3600,
            uti: "x",
        });
        keys().active().sign(&c).unwrap()
    }

    fn check(t: &str, now: i64) -> Result<Map<String, Value>, VerifyError> {
        verify(keys(), t, &[claims::PARTNER_CENTER], &[BASE], now)
    }

    #[test]
    fn a_good_token_verifies_until_it_expires() {
        let t = token(1_000);
        assert!(check(&t, 1_000).is_ok());
        assert_eq!(check(&t, 4_600), Err(VerifyError::Expired));
        assert_eq!(check(&t, 999), Err(VerifyError::NotYetValid));
        assert_eq!(
            verify(keys(), &t, &["https://graph.microsoft.com"], &[BASE], 1_000),
            Err(VerifyError::Audience)
        );
        assert_eq!(
            verify(keys(), &t, &[claims::PARTNER_CENTER], &["https://other:1"], 1_000),
            Err(VerifyError::Issuer)
        );
        assert!(peek_tenant(&t).is_some());
    }

    #[test]
    fn tampered_unsigned_and_confused_tokens_are_refused() {
        let t = token(1_000);
        let parts: Vec<&str> = t.split('.').collect();
        // Tampered payload.
        let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        payload["amr"] = serde_json::json!(["pwd", "mfa", "x"]);
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(payload.to_string()),
            parts[2]
        );
        assert_eq!(check(&forged, 1_000), Err(VerifyError::Signature));
        // alg: none.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert!(matches!(check(&none, 1_000), Err(VerifyError::Algorithm(_))));
        // HS256 keyed with the public key's modulus.
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &payload,
            &jsonwebtoken::EncodingKey::from_secret(keys().active().jwk()["n"].as_str().unwrap().as_bytes()),
        )
        .unwrap();
        assert!(matches!(check(&hs, 1_000), Err(VerifyError::Algorithm(_))));
        // A key we never published.
        let other = SigningKey::generate().unwrap();
        assert_eq!(
            check(&other.sign(&payload).unwrap(), 1_000),
            Err(VerifyError::UnknownKey)
        );
        assert_eq!(check("not.a.jwt", 1_000), Err(VerifyError::Malformed));
    }
}
