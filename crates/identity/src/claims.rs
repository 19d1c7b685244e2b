//! Claims of access and ID tokens, built in one place with defaults (navikt mock-oauth2-server's
//! approach), shaped as Entra writes them.
//!
//! Entra chooses the access-token version by the resource, not by the endpoint: Partner Center
//! and Microsoft Graph accept v1 tokens, so they get v1 tokens (`iss` = `{authority}/{tid}/`,
//! `ver` 1.0) even from the v2.0 token endpoint.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use domain::{AppId, TenantId, UserId};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

pub const PARTNER_CENTER: &str = "https://api.partnercenter.microsoft.com";
pub const PARTNER_CENTER_APP_ID: &str = "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd";
pub const GRAPH: &str = "https://graph.microsoft.com";
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// An API a token can be issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// The `aud` claim.
    pub audience: &'static str,
    /// The access-token version the resource accepts.
    pub version: u8,
    /// The delegated permission granted to user tokens (`scp`).
    pub delegated_scope: &'static str,
}

pub const PARTNER_CENTER_RESOURCE: Resource = Resource {
    audience: PARTNER_CENTER,
    version: 1,
    delegated_scope: "user_impersonation",
};
pub const GRAPH_RESOURCE: Resource = Resource {
    audience: GRAPH,
    version: 1,
    delegated_scope: "User.Read Directory.Read.All DelegatedAdminRelationship.ReadWrite.All openid profile email",
};

/// The application id of a resource's audience (Partner Center's or Graph's).
pub fn app_id_of(audience: &str) -> &'static str {
    if audience.eq_ignore_ascii_case(GRAPH) {
        GRAPH_APP_ID
    } else {
        PARTNER_CENTER_APP_ID
    }
}

/// A resource by its URI or application id (trailing slashes ignored, case-insensitive).
pub fn resource(id: &str) -> Option<Resource> {
    let id = id.trim().trim_end_matches('/').to_ascii_lowercase();
    match id.as_str() {
        PARTNER_CENTER | PARTNER_CENTER_APP_ID => Some(PARTNER_CENTER_RESOURCE),
        GRAPH | GRAPH_APP_ID | "https://graph.windows.net" => Some(GRAPH_RESOURCE),
        _ => None,
    }
}

#[derive(Debug, Clone)]
pub struct UserClaims {
    pub id: UserId,
    pub upn: String,
    pub name: String,
    /// Only when the user passed a second factor in this sign-in.
    pub mfa: bool,
}

#[derive(Debug, Clone)]
pub struct AccessTokenSpec<'a> {
    /// The authority base, e.g. `https://127.0.0.1:8443`.
    pub issuer_base: &'a str,
    pub tenant_id: TenantId,
    pub resource: Resource,
    pub client_id: AppId,
    /// Public clients authenticate with no secret (`appidacr` 0), confidential ones with one (1).
    pub confidential: bool,
    pub user: Option<&'a UserClaims>,
    pub issued_at: i64,
    pub lifetime_secs: i64,
    /// A unique token id (`uti`).
    pub uti: &'a str,
}

pub fn issuer(base: &str, tenant: TenantId, version: u8) -> String {
    if version == 1 {
        format!("{base}/{tenant}/")
    } else {
        format!("{base}/{tenant}/v2.0")
    }
}

/// A pairwise subject: stable per user (or app) and client, as Entra's `sub`.
fn pairwise(a: &str, b: &str) -> String {
    let mut h = Sha256::new();
    h.update(a.as_bytes());
    h.update(b"|");
    h.update(b.as_bytes());
    URL_SAFE_NO_PAD.encode(&h.finalize()[..32])
}

/// The object id of an app's service principal in a tenant: derived, stable, GUID-shaped.
pub fn service_principal_id(client: AppId, tenant: TenantId) -> String {
    let d = Sha256::digest(format!("sp|{client}|{tenant}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

pub fn amr(user: &UserClaims) -> Value {
    if user.mfa {
        json!(["pwd", "mfa"])
    } else {
        json!(["pwd"])
    }
}

/// The claims of an access token.
pub fn access_token(spec: &AccessTokenSpec<'_>) -> Map<String, Value> {
    let v = spec.resource.version;
    let iat = spec.issued_at;
    let mut c = Map::new();
    c.insert("aud".into(), json!(spec.resource.audience));
    c.insert("iss".into(), json!(issuer(spec.issuer_base, spec.tenant_id, v)));
    c.insert("iat".into(), json!(iat));
    c.insert("nbf".into(), json!(iat));
    c.insert("exp".into(), json!(iat + spec.lifetime_secs));
    let acr = if spec.confidential { "1" } else { "0" };
    if v == 1 {
        c.insert("appid".into(), json!(spec.client_id.to_string()));
        c.insert("appidacr".into(), json!(acr));
    } else {
        c.insert("azp".into(), json!(spec.client_id.to_string()));
        c.insert("azpacr".into(), json!(acr));
    }
    c.insert("tid".into(), json!(spec.tenant_id.to_string()));
    c.insert("uti".into(), json!(spec.uti));
    c.insert("ver".into(), json!(if v == 1 { "1.0" } else { "2.0" }));
    match spec.user {
        Some(u) => {
            c.insert("idtyp".into(), json!("user"));
            c.insert("acr".into(), json!("1"));
            c.insert("amr".into(), amr(u));
            c.insert("name".into(), json!(u.name));
            c.insert("oid".into(), json!(u.id.to_string()));
            c.insert("scp".into(), json!(spec.resource.delegated_scope));
            c.insert(
                "sub".into(),
                json!(pairwise(&u.id.to_string(), &spec.client_id.to_string())),
            );
            if v == 1 {
                c.insert("unique_name".into(), json!(u.upn));
                c.insert("upn".into(), json!(u.upn));
            } else {
                c.insert("preferred_username".into(), json!(u.upn));
            }
        }
        None => {
            let sp = service_principal_id(spec.client_id, spec.tenant_id);
            c.insert("idtyp".into(), json!("app"));
            c.insert("oid".into(), json!(sp));
            c.insert("sub".into(), json!(sp));
        }
    }
    c
}

/// The claims of a v2.0 ID token; `nonce` is the one the client sent to /authorize.
pub fn id_token(
    issuer_base: &str,
    tenant: TenantId,
    client: AppId,
    user: &UserClaims,
    nonce: Option<&str>,
    issued_at: i64,
    lifetime_secs: i64,
) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("aud".into(), json!(client.to_string()));
    c.insert("iss".into(), json!(issuer(issuer_base, tenant, 2)));
    c.insert("iat".into(), json!(issued_at));
    c.insert("nbf".into(), json!(issued_at));
    c.insert("exp".into(), json!(issued_at + lifetime_secs));
    c.insert("amr".into(), amr(user));
    c.insert("name".into(), json!(user.name));
    c.insert("oid".into(), json!(user.id.to_string()));
    c.insert("preferred_username".into(), json!(user.upn));
    c.insert("sub".into(), json!(pairwise(&user.id.to_string(), &client.to_string())));
    c.insert("tid".into(), json!(tenant.to_string()));
    c.insert("ver".into(), json!("2.0"));
    if let Some(n) = nonce {
        c.insert("nonce".into(), json!(n));
    }
    c
}

/// MSAL's `client_info`: base64url JSON `{"uid","utid"}`, from which it builds the account id.
pub fn client_info(user: UserId, tenant: TenantId) -> String {
    URL_SAFE_NO_PAD.encode(json!({"uid": user.to_string(), "utid": tenant.to_string()}).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(user: Option<&'a UserClaims>) -> AccessTokenSpec<'a> {
        AccessTokenSpec {
            issuer_base: "https://127.0.0.1:8443",
            tenant_id: TenantId(uuid::Uuid::nil()),
            resource: PARTNER_CENTER_RESOURCE,
            client_id: AppId(uuid::Uuid::max()),
            confidential: true,
            user,
            issued_at: 1_000,
            lifetime_secs: 3_600,
            uti: "u",
        }
    }

    #[test]
    fn app_only_tokens_have_no_amr_and_say_app() {
        let c = access_token(&spec(None));
        assert_eq!(c["idtyp"], "app");
        assert!(!c.contains_key("amr") && !c.contains_key("scp"));
        assert_eq!(c["iss"], "https://127.0.0.1:8443/00000000-0000-0000-0000-000000000000/");
        assert_eq!(c["ver"], "1.0");
        assert_eq!(c["exp"], 4_600);
        assert_eq!(c["appidacr"], "1");
    }

    #[test]
    fn user_tokens_carry_mfa_only_after_a_second_factor() {
        let mut u = UserClaims {
            id: UserId(uuid::Uuid::nil()),
            upn: "a@b.com".into(),
            name: "A".into(),
            mfa: false,
        };
        assert_eq!(access_token(&spec(Some(&u)))["amr"], json!(["pwd"]));
        u.mfa = true;
        let c = access_token(&spec(Some(&u)));
        assert_eq!(c["amr"], json!(["pwd", "mfa"]));
        assert_eq!(c["scp"], "user_impersonation");
        assert_eq!(c["upn"], "a@b.com");
        assert_eq!(c["idtyp"], "user");
    }

    #[test]
    fn resources_are_found_by_uri_or_app_id() {
        assert_eq!(
            resource("https://api.partnercenter.microsoft.com/"),
            Some(PARTNER_CENTER_RESOURCE)
        );
        assert_eq!(resource(PARTNER_CENTER_APP_ID), Some(PARTNER_CENTER_RESOURCE));
        assert_eq!(resource("https://GRAPH.microsoft.com"), Some(GRAPH_RESOURCE));
        assert_eq!(resource("https://example.com"), None);
    }
}
