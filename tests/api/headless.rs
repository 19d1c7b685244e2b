//! Headless sign-in: the control plane completes a device-code or authorization-code sign-in as
//! a user (with the TOTP step or without), so a test gets a real client's token with no browser.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::identity::{verify, World, PC};
use crate::support::post;

impl World {
    fn sign_ins(&self) -> String {
        format!("/sandbox/v1/sandboxes/{}/sign-ins", self.sb["id"].as_str().unwrap())
    }
}

#[tokio::test]
async fn a_device_code_sign_in_completed_by_the_control_plane_gives_an_mfa_token() {
    let w = World::new().await;
    let res =
        w.s.client()
            .post(w.url("/oauth2/v2.0/devicecode"))
            .form(&[("client_id", w.public()), ("scope", PC)])
            .send()
            .await
            .unwrap();
    let dc: Value = res.json().await.unwrap();
    let (user_code, device_code) = (dc["user_code"].as_str().unwrap(), dc["device_code"].as_str().unwrap());
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", w.public()),
        ("device_code", device_code),
    ];
    assert_eq!(w.token(&form).await.1["error"], "authorization_pending");
    // A user with MFA registered signs in with the second factor, not without it.
    let (st, e) = post(
        &w.s,
        &w.sign_ins(),
        json!({"userCode": user_code, "user": "secure@idp.onmicrosoft.com"}),
    )
    .await;
    assert_eq!((st, e["field"].as_str()), (StatusCode::BAD_REQUEST, Some("mfa")), "{e}");
    let (st, done) = post(
        &w.s,
        &w.sign_ins(),
        json!({"userCode": user_code, "user": "secure@idp.onmicrosoft.com", "mfa": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(done["completed"], "device_code");
    let (st, t) = w.token(&form).await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let claims = verify(&w, t["access_token"].as_str().unwrap()).await;
    assert_eq!(
        (claims["upn"].as_str(), claims["amr"].clone()),
        (Some("secure@idp.onmicrosoft.com"), json!(["pwd", "mfa"]))
    );
    // The same code cannot be completed twice; a made-up one names itself.
    let (st, e) = post(
        &w.s,
        &w.sign_ins(),
        json!({"userCode": user_code, "user": "secure@idp.onmicrosoft.com", "mfa": true}),
    )
    .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("userCode")),
        "{e}"
    );
    assert!(e["detail"].as_str().unwrap().contains("AADSTS70019"));
}

#[tokio::test]
async fn an_authorization_code_sign_in_completed_by_the_control_plane() {
    let w = World::new().await;
    let verifier = "a-verifier-a-verifier-a-verifier-a-verifier-1234";
    let challenge = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
    };
    let authorize = format!(
        "{}?client_id={}&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A8400%2Fcb&scope=openid%20{}&state=s1&code_challenge={challenge}&code_challenge_method=S256",
        w.url("/oauth2/v2.0/authorize"),
        w.public(),
        "https%3A%2F%2Fapi.partnercenter.microsoft.com%2F.default"
    );
    // Without MFA for a user who has none: amr pwd.
    let (st, done) = post(
        &w.s,
        &w.sign_ins(),
        json!({"authorizeUrl": authorize, "user": "plain@idp.onmicrosoft.com"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    let redirect = done["redirectUri"].as_str().unwrap();
    assert!(
        redirect.starts_with("http://localhost:8400/cb?code=") && redirect.contains("state=s1"),
        "{redirect}"
    );
    let code = redirect.split("code=").nth(1).unwrap().split('&').next().unwrap();
    let code = percent_decode(code);
    let (st, t) = w
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", w.public()),
            ("code", &code),
            ("redirect_uri", "http://localhost:8400/cb"),
            ("code_verifier", verifier),
        ])
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    assert_eq!(
        verify(&w, t["access_token"].as_str().unwrap()).await["amr"],
        json!(["pwd"])
    );
    // A user who must register MFA first cannot be signed in so; nor one of another tenant's.
    let (st, e) = post(
        &w.s,
        &w.sign_ins(),
        json!({"authorizeUrl": authorize, "user": "newbie@idp.onmicrosoft.com", "mfa": true}),
    )
    .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("user")),
        "{e}"
    );
    let (st, e) = post(
        &w.s,
        &w.sign_ins(),
        json!({"authorizeUrl": "https://x/not/an/authorize", "user": "plain@idp.onmicrosoft.com"}),
    )
    .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("authorizeUrl")),
        "{e}"
    );
    let (st, e) = post(&w.s, &w.sign_ins(), json!({"user": "plain@idp.onmicrosoft.com"})).await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("userCode")),
        "{e}"
    );
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}
