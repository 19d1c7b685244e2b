//! The attacks the sign-in and the surfaces must hold against: switching user in a sign-in flow,
//! guessing passwords and codes, replaying refresh tokens, open redirects, framing, the admin key.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::identity::{assert_entra, query, totp_now, World, PC};
use crate::support::*;

/// Starts an auth-code sign-in for the public client; returns the flow id.
async fn start_flow(w: &World) -> String {
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
    let (st, html, _) = w.page(res).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    crate::identity::hidden(&html, "flow")
}

async fn password(w: &World, flow: &str, user: &str, password: &str) -> (StatusCode, String, Option<String>) {
    w.post_form(
        &format!("/{}/login", w.tid()),
        &[("flow", flow), ("username", user), ("password", password)],
    )
    .await
}

async fn code(w: &World, flow: &str, otc: &str) -> (StatusCode, String, Option<String>) {
    w.post_form(&format!("/{}/login/verify", w.tid()), &[("flow", flow), ("otc", otc)])
        .await
}

fn sid(w: &World) -> String {
    w.sb["id"].as_str().unwrap().to_owned()
}

async fn advance(w: &World, by: &str) {
    let (st, body) = post(
        &w.s,
        &format!("/sandbox/v1/sandboxes/{}/clock", sid(w)),
        json!({"advance": by}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
}

async fn ropc(w: &World, user: &str, pass: &str) -> (StatusCode, Value) {
    w.token(&[
        ("grant_type", "password"),
        ("client_id", w.public()),
        ("username", user),
        ("password", pass),
        ("scope", &format!("{PC} offline_access")),
    ])
    .await
}

#[tokio::test]
async fn a_sign_in_cannot_switch_user_after_a_registration_secret_was_shown() {
    let w = World::new().await;
    let secure_secret = w.user(1)["mfa"]["totpSecret"].as_str().unwrap().to_owned();
    let flow = start_flow(&w).await;
    // The attacker knows newbie's password (newbie must register MFA) and secure's password.
    let (_, html, _) = password(&w, &flow, "newbie@idp.onmicrosoft.com", "Newbie-Password-1").await;
    let start = html.find(r#"id="totp-secret">"#).unwrap() + r#"id="totp-secret">"#.len();
    let shown = html[start..].split('<').next().unwrap().to_owned();
    // Switching the flow to secure: refused, and the flow is over.
    let (st, html, _) = password(&w, &flow, "secure@idp.onmicrosoft.com", "Secure-Password-1").await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{html}");
    assert!(html.contains("AADSTS50058"), "{html}");
    // A code from the secret shown to newbie gets nobody in.
    let (st, html, loc) = code(&w, &flow, &totp_now(&shown, 0)).await;
    assert!(loc.is_none(), "signed in with the registration secret: {loc:?}");
    assert_eq!(st, StatusCode::BAD_REQUEST, "{html}");
    // Nobody's stored secret changed: secure keeps theirs, newbie is still to register.
    let (_, sb) = get(&w.s, &format!("/sandbox/v1/sandboxes/{}", sid(&w))).await;
    assert_eq!(sb["tenants"][0]["users"][1]["mfa"]["totpSecret"], secure_secret);
    assert_eq!(sb["tenants"][0]["users"][2]["mfa"]["state"], "required-unregistered");
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_with_aadsts50053_until_the_lockout_ends() {
    let w = World::new().await;
    for _ in 0..9 {
        assert_entra(
            &ropc(&w, "plain@idp.onmicrosoft.com", "wrong").await,
            400,
            "invalid_grant",
            50126,
        );
    }
    assert_entra(
        &ropc(&w, "plain@idp.onmicrosoft.com", "wrong").await,
        400,
        "invalid_grant",
        50053,
    );
    // Locked: even the right password is refused, on the token endpoint and the sign-in page.
    assert_entra(
        &ropc(&w, "plain@idp.onmicrosoft.com", "Plain-Password-1").await,
        400,
        "invalid_grant",
        50053,
    );
    let flow = start_flow(&w).await;
    let (_, html, loc) = password(&w, &flow, "plain@idp.onmicrosoft.com", "Plain-Password-1").await;
    assert!(loc.is_none() && html.contains("AADSTS50053"), "{html}");
    assert!(html.contains("Your account is temporarily locked"), "{html}");
    // The first lockout lasts a minute on the sandbox clock.
    advance(&w, "PT61S").await;
    let (st, t) = ropc(&w, "plain@idp.onmicrosoft.com", "Plain-Password-1").await;
    assert_eq!(st, StatusCode::OK, "{t}");
}

#[tokio::test]
async fn wrong_codes_end_the_flow_then_lock_the_account_and_a_brute_force_gets_nowhere() {
    let w = World::new().await;
    let secret = w.user(1)["mfa"]["totpSecret"].as_str().unwrap().to_owned();
    let right = totp_now(&secret, 0);
    let wrong = if right == "000000" { "000001" } else { "000000" };
    // Three wrong codes end a flow.
    let flow = start_flow(&w).await;
    password(&w, &flow, "secure@idp.onmicrosoft.com", "Secure-Password-1").await;
    for _ in 0..2 {
        let (_, html, _) = code(&w, &flow, wrong).await;
        assert!(html.contains("expected verification code"), "{html}");
    }
    let (st, html, _) = code(&w, &flow, wrong).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("too many wrong codes"), "{html}");
    let (_, html, loc) = code(&w, &flow, &right).await;
    assert!(loc.is_none(), "an ended flow took a code: {html}");
    // A brute force over many flows: the fifth wrong code locks the account, after which not
    // even the right code works.
    let mut locked = false;
    for _ in 0..40 {
        let flow = start_flow(&w).await;
        let (_, html, _) = password(&w, &flow, "secure@idp.onmicrosoft.com", "Secure-Password-1").await;
        if html.contains("Your account is temporarily locked") {
            locked = true;
            break;
        }
        let (_, html, loc) = code(&w, &flow, wrong).await;
        assert!(loc.is_none());
        if html.contains("Your account is temporarily locked") {
            locked = true;
            break;
        }
    }
    assert!(locked, "wrong codes never locked the account");
    let flow = start_flow(&w).await;
    let (_, html, loc) = password(&w, &flow, "secure@idp.onmicrosoft.com", "Secure-Password-1").await;
    assert!(loc.is_none() && html.contains("temporarily locked"), "{html}");
    // When the lockout is over, the user signs in with a fresh code.
    advance(&w, "PT2M").await;
    let flow = start_flow(&w).await;
    password(&w, &flow, "secure@idp.onmicrosoft.com", "Secure-Password-1").await;
    let fresh = identity::totp::code_at(&secret, chrono::Utc::now().timestamp() + 121).unwrap();
    let (st, html, loc) = code(&w, &flow, &fresh).await;
    assert_eq!(st, StatusCode::FOUND, "{html}");
    assert!(query(&loc.unwrap()).contains_key("code"));
}

#[tokio::test]
async fn the_lockout_switch_turns_throttling_off_for_load_tests() {
    let w = World::new().await;
    let (st, sb) = call(
        &w.s,
        reqwest::Method::PATCH,
        &format!("/sandbox/v1/sandboxes/{}", sid(&w)),
        Some(json!({"signInLockout": "off"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{sb}");
    assert_eq!(sb["signInLockout"], "off");
    for _ in 0..25 {
        assert_entra(
            &ropc(&w, "plain@idp.onmicrosoft.com", "wrong").await,
            400,
            "invalid_grant",
            50126,
        );
    }
    assert_eq!(
        ropc(&w, "plain@idp.onmicrosoft.com", "Plain-Password-1").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_refresh_token_is_single_use_and_of_two_racing_redemptions_exactly_one_wins() {
    let w = World::new().await;
    let (st, t) = ropc(&w, "plain@idp.onmicrosoft.com", "Plain-Password-1").await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let rt = t["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |rt: String| {
        let w = &w;
        async move {
            w.token(&[
                ("grant_type", "refresh_token"),
                ("client_id", w.public()),
                ("refresh_token", &rt),
                ("scope", PC),
            ])
            .await
        }
    };
    let (a, b) = tokio::join!(refresh(rt.clone()), refresh(rt.clone()));
    let wins = [&a, &b].iter().filter(|r| r.0 == StatusCode::OK).count();
    assert_eq!(wins, 1, "{a:?} {b:?}");
    let loser = if a.0 == StatusCode::OK { &b } else { &a };
    assert_entra(loser, 400, "invalid_grant", 70000);
    // The old one stays spent. The losing redemption was a replay of a spent token, so the
    // winner's successor was revoked with its line (OAuth 2.0 Security BCP).
    assert_entra(&refresh(rt).await, 400, "invalid_grant", 70000);
    let winner = if a.0 == StatusCode::OK { &a } else { &b };
    let next = winner.1["refresh_token"].as_str().unwrap().to_owned();
    assert_entra(&refresh(next).await, 400, "invalid_grant", 50173);
    // Without a replay, a successor works once.
    let (_, t) = ropc(&w, "plain@idp.onmicrosoft.com", "Plain-Password-1").await;
    let (st, r) = refresh(t["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let next = r["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(refresh(next.clone()).await.0, StatusCode::OK);
    assert_entra(&refresh(next).await, 400, "invalid_grant", 70000);
}

#[tokio::test]
async fn sign_out_redirects_only_to_a_registered_redirect_uri() {
    let w = World::new().await;
    let logout = |q: Vec<(&'static str, String)>, tenant: String| {
        let w = &w;
        async move {
            let res =
                w.s.client()
                    .get(format!("{}/{tenant}/oauth2/v2.0/logout", w.s.https_uri()))
                    .query(&q)
                    .send()
                    .await
                    .unwrap();
            w.page(res).await
        }
    };
    let tid = w.tid().to_owned();
    let evil = "https://evil.example/phish".to_owned();
    let (st, html, loc) = logout(vec![("post_logout_redirect_uri", evil.clone())], tid.clone()).await;
    assert_eq!((st, loc), (StatusCode::OK, None), "{html}");
    assert!(html.contains("You signed out"));
    let (_, _, loc) = logout(
        vec![("post_logout_redirect_uri", evil), ("client_id", w.public().to_owned())],
        tid.clone(),
    )
    .await;
    assert_eq!(loc, None);
    let good = "http://localhost:8400/cb".to_owned();
    let (st, _, loc) = logout(
        vec![
            ("post_logout_redirect_uri", good.clone()),
            ("client_id", w.public().to_owned()),
        ],
        tid.clone(),
    )
    .await;
    assert_eq!((st, loc.as_deref()), (StatusCode::FOUND, Some(good.as_str())));
    let (st, _, loc) = logout(vec![("post_logout_redirect_uri", good.clone())], tid).await;
    assert_eq!((st, loc.as_deref()), (StatusCode::FOUND, Some(good.as_str())));
    let (st, html, loc) = logout(
        vec![("post_logout_redirect_uri", good)],
        "nosuch.onmicrosoft.com".into(),
    )
    .await;
    assert_eq!((st, loc), (StatusCode::BAD_REQUEST, None));
    assert!(html.contains("AADSTS90002"), "{html}");
}

#[tokio::test]
async fn sign_in_and_portal_pages_refuse_to_be_framed() {
    let w = World::new().await;
    let pages = [
        w.url(&format!(
            "/oauth2/v2.0/authorize?client_id={}&response_type=code&scope=openid",
            w.public()
        )),
        format!("{}/devicelogin", w.s.https_uri()),
        format!("{}/dashboard/verification/email/unknown-token", w.s.uri()),
        format!("{}/commerce/indirectresellers/relationshiprequest/unknown", w.s.uri()),
        format!("{}/", w.s.uri()),
        format!("{}/dashboard/account/legal", w.s.uri()),
        format!("{}/dashboard/signin?login_hint=x%40y.example", w.s.uri()),
        format!("{}/console", w.s.uri()),
    ];
    for url in pages {
        let res = w.s.client().get(&url).send().await.unwrap();
        let h = res.headers();
        assert_eq!(
            h.get("x-frame-options").map(|v| v.to_str().unwrap()),
            Some("DENY"),
            "{url}"
        );
        assert_eq!(
            h.get("content-security-policy").map(|v| v.to_str().unwrap()),
            Some("frame-ancestors 'none'"),
            "{url}"
        );
    }
}

#[tokio::test]
async fn the_admin_key_is_taken_with_any_case_of_bearer_and_nothing_else() {
    let mut settings = testkit::Settings::for_tests();
    settings.admin_key = Some("s3cret-admin-key".into());
    let s = Server::start_with(settings).await.unwrap();
    let status = |auth: Option<&'static str>| {
        let s = &s;
        async move {
            let mut req = s.client().get(s.url("/sandbox/v1/sandboxes"));
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            req.send().await.unwrap().status()
        }
    };
    for ok in [
        "Bearer s3cret-admin-key",
        "bearer s3cret-admin-key",
        "BEARER  s3cret-admin-key ",
    ] {
        assert_eq!(status(Some(ok)).await, StatusCode::OK, "{ok}");
    }
    for bad in [
        None,
        Some("Bearer wrong"),
        Some("Basic s3cret-admin-key"),
        Some("Bearer s3cret-admin-ke"),
        Some("Bearer "),
    ] {
        assert_eq!(status(bad).await, StatusCode::UNAUTHORIZED, "{bad:?}");
    }
}

#[tokio::test]
async fn a_blank_admin_key_stops_the_server_at_start() {
    let mut settings = testkit::Settings::for_tests();
    settings.admin_key = Some("   ".into());
    let err = Server::start_with(settings).await.err().expect("refused");
    assert!(err.to_string().contains("blank"), "{err}");
}
