//! The portal's and the console's cookies: signed (HMAC-SHA256 with a key made at start-up),
//! so nothing about a session is kept on the server and a client cannot grow anything. A
//! session names its sandbox, user and tenant, whether the sign-in had a second factor, and a
//! random nonce the CSRF token of every form is derived from.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use axum::http::{header, HeaderMap, HeaderValue};

pub const SESSION_COOKIE: &str = "pcs_session";
pub const SIGNIN_COOKIE: &str = "pcs_signin";
pub const CONSOLE_COOKIE: &str = "pcs_console";
pub const LANG_COOKIE: &str = "pcs_lang";

/// A portal session lasts this long (real time), as an Entra sign-in session does by default.
pub const SESSION_SECS: i64 = 12 * 3600;
/// A sign-in started by the portal must come back within this long.
pub const SIGNIN_SECS: i64 = 15 * 60;
/// The largest cookie value read: anything longer is not ours.
const MAX_COOKIE: usize = 2048;

/// A signed-in portal user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Session {
    #[serde(rename = "s")]
    pub sandbox: domain::SandboxId,
    #[serde(rename = "u")]
    pub user: domain::UserId,
    #[serde(rename = "t")]
    pub tenant: domain::TenantId,
    /// The sign-in had a second factor (`amr` holds `mfa`).
    #[serde(rename = "m")]
    pub mfa: bool,
    /// Expiry, Unix seconds (real time).
    #[serde(rename = "e")]
    pub expires: i64,
    #[serde(rename = "n")]
    pub nonce: String,
}

/// A sign-in the portal started: the PKCE verifier and `state` it must see again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    #[serde(rename = "v")]
    pub verifier: String,
    #[serde(rename = "st")]
    pub state: String,
    /// Where to go once signed in (a path of this server).
    #[serde(rename = "r")]
    pub return_to: String,
    #[serde(rename = "t")]
    pub tenant: domain::TenantId,
    #[serde(rename = "e")]
    pub expires: i64,
}

/// A tester signed in to the console with the admin key, or a team's key (then `team` names it
/// and the console shows that team's sandboxes only).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsoleSession {
    #[serde(rename = "e")]
    pub expires: i64,
    #[serde(rename = "n")]
    pub nonce: String,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// Something with a lifetime and a nonce.
pub trait Expiring {
    fn expires(&self) -> i64;
}
impl Expiring for Session {
    fn expires(&self) -> i64 {
        self.expires
    }
}
impl Expiring for PendingSignIn {
    fn expires(&self) -> i64 {
        self.expires
    }
}
impl Expiring for ConsoleSession {
    fn expires(&self) -> i64 {
        self.expires
    }
}

/// The signing key of this process's cookies.
#[derive(Clone)]
pub struct CookieKey([u8; 32]);

impl CookieKey {
    pub fn new(random: &dyn identity::Random) -> Self {
        let mut k = [0u8; 32];
        random.fill(&mut k);
        CookieKey(k)
    }

    /// The key as hex, to store where replicas share it.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A key stored by [`CookieKey::to_hex`].
    pub fn from_hex(hex: &str) -> Option<Self> {
        let mut k = [0u8; 32];
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        for (i, b) in k.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(CookieKey(k))
    }

    fn mac(&self, purpose: &str, data: &[u8]) -> Vec<u8> {
        // A key always fits HMAC: new_from_slice cannot fail for Sha256.
        let mut m = match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => return Vec::new(),
        };
        m.update(purpose.as_bytes());
        m.update(b"\0");
        m.update(data);
        m.finalize().into_bytes().to_vec()
    }

    /// `payload.signature`, both base64url. The cookie's name is signed with it: a value of one
    /// cookie is not accepted as another.
    pub fn seal<T: Serialize>(&self, name: &str, value: &T) -> String {
        let json = serde_json::to_vec(value).unwrap_or_default();
        let sig = self.mac(name, &json);
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&json), URL_SAFE_NO_PAD.encode(sig))
    }

    /// The value of a sealed cookie when its signature holds and it has not expired.
    pub fn open<T: DeserializeOwned + Expiring>(&self, name: &str, sealed: &str, now: i64) -> Option<T> {
        if sealed.len() > MAX_COOKIE {
            return None;
        }
        let (payload, sig) = sealed.split_once('.')?;
        let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        let want = self.mac(name, &json);
        if !bool::from(want.ct_eq(&sig)) || want.is_empty() {
            return None;
        }
        let v: T = serde_json::from_slice(&json).ok()?;
        (v.expires() > now).then_some(v)
    }

    /// The CSRF token of the forms of a session with this nonce.
    pub fn csrf(&self, nonce: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac("csrf", nonce.as_bytes()))
    }

    /// Whether a form's token is the session's.
    pub fn csrf_ok(&self, nonce: &str, token: Option<&str>) -> bool {
        let want = self.csrf(nonce);
        token.is_some_and(|t| bool::from(want.as_bytes().ct_eq(t.as_bytes())))
    }
}

/// A cookie of the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Lax always (a cross-site POST never carries
/// it), Secure on HTTPS, a session cookie unless `max_age` is given.
pub fn set_cookie(name: &str, value: &str, path: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("pcs_invalid=; Max-Age=0"))
}

/// A `Set-Cookie` value that removes a cookie.
pub fn clear_cookie(name: &str, path: &str) -> HeaderValue {
    set_cookie(name, "", path, false, Some(0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key() -> CookieKey {
        CookieKey::new(&identity::random::OsRandom)
    }

    fn console(expires: i64) -> ConsoleSession {
        ConsoleSession {
            expires,
            nonce: "n1".into(),
            team: None,
        }
    }

    #[test]
    fn a_sealed_cookie_opens_only_with_its_key_name_and_before_expiry() {
        let k = key();
        let sealed = k.seal(CONSOLE_COOKIE, &console(100));
        assert!(k.open::<ConsoleSession>(CONSOLE_COOKIE, &sealed, 99).is_some());
        assert!(
            k.open::<ConsoleSession>(CONSOLE_COOKIE, &sealed, 100).is_none(),
            "expired"
        );
        assert!(
            k.open::<ConsoleSession>(SESSION_COOKIE, &sealed, 99).is_none(),
            "another cookie's name"
        );
        assert!(
            key().open::<ConsoleSession>(CONSOLE_COOKIE, &sealed, 99).is_none(),
            "another key"
        );
        // A changed payload (a later expiry) with the old signature is refused.
        let (_, sig) = sealed.split_once('.').unwrap();
        let forged = format!(
            "{}.{sig}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&console(10_000)).unwrap())
        );
        assert!(k.open::<ConsoleSession>(CONSOLE_COOKIE, &forged, 99).is_none());
        assert!(k.open::<ConsoleSession>(CONSOLE_COOKIE, &"a".repeat(5000), 0).is_none());
    }

    #[test]
    fn csrf_tokens_are_per_session() {
        let k = key();
        let t = k.csrf("n1");
        assert!(k.csrf_ok("n1", Some(&t)));
        assert!(!k.csrf_ok("n2", Some(&t)));
        assert!(!k.csrf_ok("n1", None));
        assert!(!k.csrf_ok("n1", Some("")));
    }

    #[test]
    fn cookies_are_read_by_name_and_set_http_only_and_same_site() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; pcs_session=abc.def; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc.def"));
        assert_eq!(cookie(&h, "c"), None);
        let c = set_cookie(SESSION_COOKIE, "v", "/", true, None);
        assert_eq!(
            c.to_str().unwrap(),
            "pcs_session=v; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
    }
}
