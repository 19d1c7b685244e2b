//! The mock Entra ID through real HTTPS: discovery, grants, sign-in with TOTP, every error.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

pub(crate) const PC: &str = "https://api.partnercenter.microsoft.com/.default";

pub(crate) struct World {
    pub(crate) s: Server,
    pub(crate) sb: Value,
}

impl World {
    pub(crate) async fn new() -> Self {
        let s = server().await;
        let sb = s
            .create_sandbox(json!({"scenario": {"tenants": [{"displayName": "Idp", "domain": "idp.onmicrosoft.com", "users": [
                {"userPrincipalName": "plain", "password": "Plain-Password-1"},
                {"userPrincipalName": "secure", "mfa": "registered", "password": "Secure-Password-1"},
                {"userPrincipalName": "newbie", "mfa": "required-unregistered", "password": "Newbie-Password-1"}]}],
              "apps": [{"displayName": "conf", "clientSecret": "conf-secret-0123456789", "redirectUris": ["http://localhost:8400/cb"]},
                       {"displayName": "pub", "publicClient": true, "redirectUris": ["http://localhost:8400/cb"]}]}}))
            .await
            .unwrap();
        World { s, sb }
    }
    pub(crate) fn tid(&self) -> &str {
        self.sb["tenants"][0]["id"].as_str().unwrap()
    }
    pub(crate) fn conf(&self) -> &str {
        self.sb["apps"][0]["clientId"].as_str().unwrap()
    }
    pub(crate) fn public(&self) -> &str {
        self.sb["apps"][1]["clientId"].as_str().unwrap()
    }
    pub(crate) fn user(&self, i: usize) -> &Value {
        &self.sb["tenants"][0]["users"][i]
    }
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/{}{}", self.s.https_uri(), self.tid(), path)
    }
    pub(crate) async fn token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let res = self
            .s
            .client()
            .post(self.url("/oauth2/v2.0/token"))
            .form(form)
            .send()
            .await
            .unwrap();
        let st = res.status();
        (st, res.json().await.unwrap())
    }
    pub(crate) async fn page(&self, res: reqwest::Response) -> (StatusCode, String, Option<String>) {
        let st = res.status();
        let loc = res.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        (st, res.text().await.unwrap(), loc)
    }
    pub(crate) async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let res = self
            .s
            .client()
            .post(format!("{}{}", self.s.https_uri(), path))
            .form(form)
            .send()
            .await
            .unwrap();
        self.page(res).await
    }
}

#[track_caller]
pub(crate) fn assert_entra(got: &(StatusCode, Value), status: u16, error: &str, code: u64) {
    assert_eq!(got.0.as_u16(), status, "{}", got.1);
    assert_eq!(got.1["error"], error, "{}", got.1);
    assert_eq!(got.1["error_codes"], json!([code]), "{}", got.1);
    let d = got.1["error_description"].as_str().unwrap();
    assert!(d.starts_with(&format!("AADSTS{code}: ")), "{d}");
    assert!(d.contains("Trace ID: ") && d.contains("Correlation ID: "), "{d}");
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(got.1[k].is_string(), "{k} in {}", got.1);
    }
}

pub(crate) fn claims(jwt: &str) -> Value {
    let p = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

/// Verifies a token's RS256 signature against the served JWKS.
pub(crate) async fn verify(w: &World, jwt: &str) -> Value {
    let (_, jwks) = get_abs(w, &w.url("/discovery/v2.0/keys")).await;
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("kid in JWKS");
    let key =
        jsonwebtoken::DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap()).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.validate_aud = false;
    jsonwebtoken::decode::<Value>(jwt, &key, &v)
        .expect("signature verifies")
        .claims
}

pub(crate) async fn get_abs(w: &World, url: &str) -> (StatusCode, Value) {
    let res = w.s.client().get(url).send().await.unwrap();
    let st = res.status();
    (st, res.json().await.unwrap_or(Value::Null))
}

pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub(crate) fn query(location: &str) -> std::collections::HashMap<String, String> {
    serde_urlencoded::from_str(location.split_once('?').unwrap().1).unwrap()
}

pub(crate) fn totp_now(secret: &str, offset_steps: i64) -> String {
    identity::totp::code_at(secret, chrono::Utc::now().timestamp() + 30 * offset_steps).unwrap()
}

#[tokio::test]
async fn discovery_names_the_https_authority_for_guid_and_domain() {
    let w = World::new().await;
    let (st, d) = get_abs(&w, &w.url("/v2.0/.well-known/openid-configuration")).await;
    assert_eq!(st, StatusCode::OK);
    let base = w.s.https_uri();
    assert_eq!(d["issuer"], format!("{base}/{}/v2.0", w.tid()));
    for k in [
        "authorization_endpoint",
        "token_endpoint",
        "device_authorization_endpoint",
        "jwks_uri",
    ] {
        assert!(d[k].as_str().unwrap().starts_with(&format!("{base}/")), "{k}");
    }
    let (_, by_domain) = get_abs(
        &w,
        &format!("{base}/idp.onmicrosoft.com/v2.0/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(by_domain["issuer"], d["issuer"]);
    let (_, v1) = get_abs(&w, &w.url("/.well-known/openid-configuration")).await;
    assert_eq!(v1["issuer"], format!("{base}/{}/", w.tid()));
    let (_, keys) = get_abs(&w, &w.url("/discovery/keys")).await;
    assert_eq!(keys["keys"][0]["kty"], "RSA");
    let (_, realm) = get_abs(
        &w,
        &format!("{base}/common/userrealm/plain@idp.onmicrosoft.com?api-version=1.0"),
    )
    .await;
    assert_eq!(realm["account_type"], "Managed");
    let res =
        w.s.client()
            .get(format!(
                "{base}/nosuch.onmicrosoft.com/v2.0/.well-known/openid-configuration"
            ))
            .send()
            .await
            .unwrap();
    let got = (res.status(), res.json::<Value>().await.unwrap());
    assert_entra(&got, 400, "invalid_request", 90002);
}

#[tokio::test]
async fn client_credentials_give_an_app_only_token_with_sandbox_times() {
    let w = World::new().await;
    let (st, t) = w
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", w.conf()),
            ("client_secret", "conf-secret-0123456789"),
            ("scope", PC),
        ])
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    let c = verify(&w, t["access_token"].as_str().unwrap()).await;
    assert_eq!(c["aud"], "https://api.partnercenter.microsoft.com");
    assert_eq!(c["iss"], format!("{}/{}/", w.s.https_uri(), w.tid()));
    assert_eq!(
        (c["idtyp"].as_str(), c["appid"].as_str(), c["tid"].as_str()),
        (Some("app"), Some(w.conf()), Some(w.tid()))
    );
    assert!(c.get("amr").is_none());

    // HTTP Basic works too, and times follow the sandbox clock.
    let (st, _) = post(
        &w.s,
        &format!("/sandbox/v1/sandboxes/{}/clock", w.sb["id"].as_str().unwrap()),
        json!({"advance": "P2D"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let res =
        w.s.client()
            .post(w.url("/oauth2/v2.0/token"))
            .basic_auth(w.conf(), Some("conf-secret-0123456789"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", PC),
                ("x-client-SKU", "ignored"),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store, no-cache");
    let t: Value = res.json().await.unwrap();
    let iat = claims(t["access_token"].as_str().unwrap())["iat"].as_i64().unwrap();
    assert!(
        (iat - chrono::Utc::now().timestamp() - 2 * 86_400).abs() < 60,
        "iat is two days ahead"
    );

    // The v1 endpoint takes resource= and answers in v1's shape.
    let res =
        w.s.client()
            .post(w.url("/oauth2/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", w.conf()),
                ("client_secret", "conf-secret-0123456789"),
                ("resource", "https://api.partnercenter.microsoft.com"),
            ])
            .send()
            .await
            .unwrap();
    let t: Value = res.json().await.unwrap();
    assert_eq!(t["resource"], "https://api.partnercenter.microsoft.com");
    assert!(t["expires_on"].is_string());
}

#[tokio::test]
async fn token_endpoint_errors_are_entra_errors() {
    let w = World::new().await;
    let secret = "conf-secret-0123456789";
    assert_entra(
        &w.token(&[
            ("grant_type", "client_credentials"),
            ("client_id", w.conf()),
            ("client_secret", "wrong-secret-000000000"),
            ("scope", PC),
        ])
        .await,
        401,
        "invalid_client",
        7000215,
    );
    assert_entra(
        &w.token(&[
            ("grant_type", "client_credentials"),
            ("client_id", w.conf()),
            ("scope", PC),
        ])
        .await,
        401,
        "invalid_client",
        7000218,
    );
    assert_entra(
        &w.token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "00000000-0000-4000-8000-000000000001"),
            ("client_secret", secret),
            ("scope", PC),
        ])
        .await,
        400,
        "unauthorized_client",
        700016,
    );
    assert_entra(
        &w.token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "not-a-guid"),
            ("client_secret", secret),
            ("scope", PC),
        ])
        .await,
        400,
        "unauthorized_client",
        700016,
    );
    assert_entra(
        &w.token(&[
            ("grant_type", "client_credentials"),
            ("client_id", w.conf()),
            ("client_secret", secret),
            ("scope", "https://api.partnercenter.microsoft.com/user_impersonation"),
        ])
        .await,
        400,
        "invalid_scope",
        1002012,
    );
    assert_entra(
        &w.token(&[
            ("grant_type", "client_credentials"),
            ("client_id", w.conf()),
            ("client_secret", secret),
            ("scope", "https://nowhere.example/.default"),
        ])
        .await,
        400,
        "invalid_resource",
        500011,
    );
    assert_entra(
        &w.token(&[
            ("grant_type", "magic"),
            ("client_id", w.conf()),
            ("client_secret", secret),
        ])
        .await,
        400,
        "unsupported_grant_type",
        70003,
    );
    assert_entra(
        &w.token(&[("client_id", w.conf()), ("client_secret", secret)]).await,
        400,
        "invalid_request",
        900144,
    );
    assert_entra(
        &w.token(&[("grant_type", "client_credentials")]).await,
        400,
        "invalid_request",
        900144,
    );
    assert_entra(
        &w.token(&[
            ("grant_type", "password"),
            ("client_id", w.public()),
            ("client_secret", "x"),
            ("username", "plain@idp.onmicrosoft.com"),
            ("password", "Plain-Password-1"),
            ("scope", PC),
        ])
        .await,
        401,
        "invalid_client",
        700025,
    );

    let ropc = |user: &'static str, pw: &'static str| {
        [
            ("grant_type", "password"),
            ("client_id", ""),
            ("username", user),
            ("password", pw),
            ("scope", PC),
        ]
    };
    let with_client = |mut f: [(&'static str, &'static str); 5], c: &'static str| {
        f[1].1 = c;
        f
    };
    let public: &'static str = Box::leak(w.public().to_owned().into_boxed_str());
    assert_entra(
        &w.token(&with_client(ropc("plain@idp.onmicrosoft.com", "wrong"), public))
            .await,
        400,
        "invalid_grant",
        50126,
    );
    assert_entra(
        &w.token(&with_client(ropc("nobody@idp.onmicrosoft.com", "x"), public))
            .await,
        400,
        "invalid_grant",
        50034,
    );
    let mfa = w
        .token(&with_client(
            ropc("secure@idp.onmicrosoft.com", "Secure-Password-1"),
            public,
        ))
        .await;
    assert_entra(&mfa, 400, "invalid_grant", 50076);
    assert_eq!(mfa.1["suberror"], "basic_action");
    assert_entra(
        &w.token(&with_client(
            ropc("newbie@idp.onmicrosoft.com", "Newbie-Password-1"),
            public,
        ))
        .await,
        400,
        "invalid_grant",
        50079,
    );
    let (st, ok) = w
        .token(&with_client(
            ropc("PLAIN@idp.onmicrosoft.com", "Plain-Password-1"),
            public,
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{ok}");
    assert_eq!(claims(ok["access_token"].as_str().unwrap())["amr"], json!(["pwd"]));

    // Unknown tenant in the token URL.
    let res =
        w.s.client()
            .post(format!("{}/nosuch.example.com/oauth2/v2.0/token", w.s.https_uri()))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
    assert_entra(
        &(res.status(), res.json().await.unwrap()),
        400,
        "invalid_request",
        90002,
    );
    // A tenant of another sandbox does not know this app.
    let other = w.s.create_sandbox(json!({})).await.unwrap();
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        w.s.https_uri(),
        other["tenants"][0]["id"].as_str().unwrap()
    );
    let res =
        w.s.client()
            .post(url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", w.conf()),
                ("client_secret", secret),
                ("scope", PC),
            ])
            .send()
            .await
            .unwrap();
    assert_entra(
        &(res.status(), res.json().await.unwrap()),
        400,
        "unauthorized_client",
        700016,
    );
}

/// Walks /authorize -> password -> TOTP and returns the redirect's query.
pub(crate) async fn sign_in_with_totp(
    w: &World,
    challenge: &str,
    code_offset: i64,
) -> (String, std::collections::HashMap<String, String>) {
    let res =
        w.s.client()
            .get(w.url("/oauth2/v2.0/authorize"))
            .query(&[
                ("client_id", w.public()),
                ("response_type", "code"),
                ("redirect_uri", "http://localhost:8400/cb"),
                ("scope", &format!("{PC} openid offline_access profile")),
                ("state", "st4te"),
                ("nonce", "n0nce"),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .unwrap();
    let (st, html, _) = w.page(res).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let flow = hidden(&html, "flow");
    let (_, html, _) = w
        .post_form(
            &format!("/{}/login", w.tid()),
            &[
                ("flow", &flow),
                ("username", "secure@idp.onmicrosoft.com"),
                ("password", "Secure-Password-1"),
            ],
        )
        .await;
    assert!(html.contains(r#"name="otc""#), "{html}");
    let (_, wrong, loc) = w
        .post_form(
            &format!("/{}/login/verify", w.tid()),
            &[("flow", &flow), ("otc", "000000")],
        )
        .await;
    assert!(loc.is_none() && wrong.contains("expected verification code"), "{wrong}");
    let secret = w.user(1)["mfa"]["totpSecret"].as_str().unwrap();
    let (st, body, loc) = w
        .post_form(
            &format!("/{}/login/verify", w.tid()),
            &[("flow", &flow), ("otc", &totp_now(secret, code_offset))],
        )
        .await;
    assert_eq!(st, StatusCode::FOUND, "{body}");
    let loc = loc.unwrap();
    assert!(loc.starts_with("http://localhost:8400/cb?"), "{loc}");
    (flow, query(&loc))
}

#[tokio::test]
async fn auth_code_with_pkce_and_totp_gets_mfa_and_each_misuse_is_refused() {
    let w = World::new().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let (_, q) = sign_in_with_totp(&w, challenge, 0).await;
    assert_eq!(q["state"], "st4te");
    let code = q["code"].as_str();
    let redeem = |verifier: &'static str, redirect: &'static str| {
        [
            ("grant_type", "authorization_code"),
            ("client_id", ""),
            ("code", ""),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
        ]
    };
    let public: &'static str = Box::leak(w.public().to_owned().into_boxed_str());
    let code: &'static str = Box::leak(code.to_owned().into_boxed_str());
    let fill = |mut f: [(&'static str, &'static str); 5]| {
        f[1].1 = public;
        f[2].1 = code;
        f
    };
    assert_entra(
        &w.token(&fill(redeem(
            "wrong-verifier-wrong-verifier-wrong-verifier-x",
            "http://localhost:8400/cb",
        )))
        .await,
        400,
        "invalid_grant",
        501481,
    );
    assert_entra(
        &w.token(&fill(redeem(verifier, "http://localhost:9999/other"))).await,
        400,
        "invalid_request",
        50011,
    );
    let (st, t) = w.token(&fill(redeem(verifier, "http://localhost:8400/cb"))).await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let c = verify(&w, t["access_token"].as_str().unwrap()).await;
    assert_eq!(c["amr"], json!(["pwd", "mfa"]));
    assert_eq!(c["upn"], "secure@idp.onmicrosoft.com");
    assert_eq!(c["scp"], "user_impersonation");
    let id = verify(&w, t["id_token"].as_str().unwrap()).await;
    assert_eq!(
        (id["nonce"].as_str(), id["aud"].as_str()),
        (Some("n0nce"), Some(public))
    );
    assert!(t["client_info"].is_string() && t["refresh_token"].is_string());
    assert_entra(
        &w.token(&fill(redeem(verifier, "http://localhost:8400/cb"))).await,
        400,
        "invalid_grant",
        54005,
    );
    assert_entra(
        &w.token(&[
            ("grant_type", "authorization_code"),
            ("client_id", public),
            ("code", "made-up"),
            ("redirect_uri", "http://localhost:8400/cb"),
        ])
        .await,
        400,
        "invalid_grant",
        9002313,
    );

    // The refresh token keeps the MFA state and rotates; after 90 days it has expired.
    let rt = t["refresh_token"].as_str().unwrap();
    let (st, r) = w
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", public),
            ("refresh_token", rt),
            ("scope", PC),
        ])
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(
        claims(r["access_token"].as_str().unwrap())["amr"],
        json!(["pwd", "mfa"])
    );
    assert_ne!(r["refresh_token"], t["refresh_token"]);
    let rotated = r["refresh_token"].as_str().unwrap();
    // Its successor goes on; a second successor is made from it.
    let (st, r2) = w
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", public),
            ("refresh_token", rotated),
            ("scope", PC),
        ])
        .await;
    assert_eq!(st, StatusCode::OK, "{r2}");
    let rotated = r2["refresh_token"].as_str().unwrap();
    post(
        &w.s,
        &format!("/sandbox/v1/sandboxes/{}/clock", w.sb["id"].as_str().unwrap()),
        json!({"advance": "P91D"}),
    )
    .await;
    assert_entra(
        &w.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", public),
            ("refresh_token", rotated),
            ("scope", PC),
        ])
        .await,
        400,
        "invalid_grant",
        70008,
    );
}

/// OAuth 2.0 Security BCP: a refresh token used again after its redemption (a thief's or the
/// client's replay) revokes every token of its line, the thief's successor included.
#[tokio::test]
async fn a_replayed_refresh_token_revokes_its_successors() {
    let w = World::new().await;
    let public = w.public();
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let (_, q) = sign_in_with_totp(&w, challenge, 0).await;
    let (st, t) = w
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", public),
            ("code", q["code"].as_str()),
            ("redirect_uri", "http://localhost:8400/cb"),
            ("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        ])
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let first = t["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |rt: String| {
        let w = &w;
        async move {
            w.token(&[
                ("grant_type", "refresh_token"),
                ("client_id", public),
                ("refresh_token", rt.as_str()),
                ("scope", PC),
            ])
            .await
        }
    };
    let (st, r) = refresh(first.clone()).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let successor = r["refresh_token"].as_str().unwrap().to_owned();
    // The spent one again: refused, and the line goes with it.
    let (st, _) = refresh(first).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_entra(&refresh(successor).await, 400, "invalid_grant", 50173);
}

#[tokio::test]
async fn a_totp_code_cannot_be_used_twice() {
    let w = World::new().await;
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    sign_in_with_totp(&w, challenge, 0).await;
    // A second sign-in with the very same code is refused as a replay.
    let res =
        w.s.client()
            .get(w.url("/oauth2/v2.0/authorize"))
            .query(&[
                ("client_id", w.public()),
                ("response_type", "code"),
                ("redirect_uri", "http://localhost:8400/cb"),
                ("scope", PC),
            ])
            .send()
            .await
            .unwrap();
    let (_, html, _) = w.page(res).await;
    let flow = hidden(&html, "flow");
    w.post_form(
        &format!("/{}/login", w.tid()),
        &[
            ("flow", &flow),
            ("username", "secure@idp.onmicrosoft.com"),
            ("password", "Secure-Password-1"),
        ],
    )
    .await;
    let secret = w.user(1)["mfa"]["totpSecret"].as_str().unwrap();
    let (st, html, _) = w
        .post_form(
            &format!("/{}/login/verify", w.tid()),
            &[("flow", &flow), ("otc", &totp_now(secret, 0))],
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("already used"), "{html}");
    // However often: a used code is not a wrong one, so the flow never ends as "too many".
    for _ in 0..4 {
        let (st, html, _) = w
            .post_form(
                &format!("/{}/login/verify", w.tid()),
                &[("flow", &flow), ("otc", &totp_now(secret, 0))],
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("already used") && !html.contains("too many"), "{html}");
    }
}

#[tokio::test]
async fn authorize_refuses_unknown_clients_and_redirect_uris_on_the_page() {
    let w = World::new().await;
    let res =
        w.s.client()
            .get(w.url("/oauth2/v2.0/authorize"))
            .query(&[
                ("client_id", w.public()),
                ("response_type", "code"),
                ("redirect_uri", "https://evil.example/cb"),
                ("scope", PC),
            ])
            .send()
            .await
            .unwrap();
    let (st, html, loc) = w.page(res).await;
    assert_eq!((st, loc), (StatusCode::BAD_REQUEST, None));
    assert!(html.contains("AADSTS50011"), "{html}");
    let res =
        w.s.client()
            .get(w.url("/oauth2/v2.0/authorize"))
            .query(&[
                ("client_id", "00000000-0000-4000-8000-000000000009"),
                ("response_type", "code"),
                ("scope", PC),
            ])
            .send()
            .await
            .unwrap();
    let (_, html, _) = w.page(res).await;
    assert!(html.contains("AADSTS700016"), "{html}");
    // A bad response_type goes back to the app as an error.
    let res =
        w.s.client()
            .get(w.url("/oauth2/v2.0/authorize"))
            .query(&[
                ("client_id", w.public()),
                ("response_type", "token"),
                ("redirect_uri", "http://localhost:8400/cb"),
                ("scope", PC),
                ("state", "s"),
            ])
            .send()
            .await
            .unwrap();
    let (st, _, loc) = w.page(res).await;
    assert_eq!(st, StatusCode::FOUND);
    let q = query(&loc.unwrap());
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("unsupported_response_type", "s")
    );
}

#[tokio::test]
async fn a_user_required_to_register_mfa_registers_a_totp_authenticator() {
    let w = World::new().await;
    let res =
        w.s.client()
            .get(w.url("/oauth2/v2.0/authorize"))
            .query(&[
                ("client_id", w.public()),
                ("response_type", "code"),
                ("redirect_uri", "http://localhost:8400/cb"),
                ("scope", PC),
            ])
            .send()
            .await
            .unwrap();
    let (_, html, _) = w.page(res).await;
    let flow = hidden(&html, "flow");
    let (_, html, _) = w
        .post_form(
            &format!("/{}/login", w.tid()),
            &[
                ("flow", &flow),
                ("username", "newbie@idp.onmicrosoft.com"),
                ("password", "Newbie-Password-1"),
            ],
        )
        .await;
    assert!(html.contains("otpauth://totp/") && html.contains("<svg"), "{html}");
    let start = html.find(r#"id="totp-secret">"#).unwrap() + r#"id="totp-secret">"#.len();
    let secret = html[start..].split('<').next().unwrap().to_owned();
    let (st, _, loc) = w
        .post_form(
            &format!("/{}/login/verify", w.tid()),
            &[("flow", &flow), ("otc", &totp_now(&secret, 0))],
        )
        .await;
    assert_eq!(st, StatusCode::FOUND);
    let q = query(&loc.unwrap());
    let (_, t) = w
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", w.public()),
            ("code", &q["code"]),
            ("redirect_uri", "http://localhost:8400/cb"),
        ])
        .await;
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["amr"],
        json!(["pwd", "mfa"])
    );
    let (_, sb) = get(&w.s, &format!("/sandbox/v1/sandboxes/{}", w.sb["id"].as_str().unwrap())).await;
    assert_eq!(sb["tenants"][0]["users"][2]["mfa"]["state"], "registered");
    assert_eq!(sb["tenants"][0]["users"][2]["mfa"]["totpSecret"], secret);
}

#[tokio::test]
async fn device_code_flow_completes_on_the_sign_in_page() {
    let w = World::new().await;
    let res =
        w.s.client()
            .post(w.url("/oauth2/v2.0/devicecode"))
            .form(&[("client_id", w.public()), ("scope", &format!("{PC} offline_access"))])
            .send()
            .await
            .unwrap();
    let dc: Value = res.json().await.unwrap();
    assert_eq!(dc["verification_uri"], format!("{}/devicelogin", w.s.https_uri()));
    let device_code = dc["device_code"].as_str().unwrap();
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", w.public()),
        ("device_code", device_code),
    ];
    assert_entra(&w.token(&poll).await, 400, "authorization_pending", 70016);
    let (_, html, _) = w.post_form("/devicelogin", &[("otc", "WRONG")]).await;
    assert!(html.contains("AADSTS70019"), "{html}");
    let (_, html, _) = w
        .post_form("/devicelogin", &[("otc", dc["user_code"].as_str().unwrap())])
        .await;
    let flow = hidden(&html, "flow");
    let (_, html, _) = w
        .post_form(
            "/common/login",
            &[
                ("flow", &flow),
                ("username", "plain@idp.onmicrosoft.com"),
                ("password", "Plain-Password-1"),
            ],
        )
        .await;
    assert!(html.contains("signed in"), "{html}");
    let (st, t) = w.token(&poll).await;
    assert_eq!(st, StatusCode::OK, "{t}");
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["upn"],
        "plain@idp.onmicrosoft.com"
    );
    assert_entra(&w.token(&poll).await, 400, "invalid_grant", 54005);
}
