//! Faults on demand: error statuses with Retry-After, latency and dropped connections on `/v1`,
//! Entra's refusals on the token endpoint, a revoked refresh token and a signing-key rollover.

use std::time::Instant;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::identity::{verify, World, PC};
use crate::support::{call, get, post};

impl World {
    fn cpath(&self, rest: &str) -> String {
        format!("/sandbox/v1/sandboxes/{}{rest}", self.sb["id"].as_str().unwrap())
    }
    async fn fault(&self, body: Value) -> Value {
        let (st, f) = post(&self.s, &self.cpath("/faults"), body).await;
        assert_eq!(st, StatusCode::CREATED, "{f}");
        f
    }
    async fn mint(&self, user: usize) -> String {
        let (st, t) = post(
            &self.s,
            &self.cpath("/tokens"),
            json!({"clientId": self.conf(), "userId": self.user(user)["id"], "mfa": true}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{t}");
        t["access_token"].as_str().unwrap().to_owned()
    }
    async fn pc(&self, token: &str) -> reqwest::Result<reqwest::Response> {
        self.s
            .client()
            .get(self.s.url("/v1/agreements"))
            .bearer_auth(token)
            .send()
            .await
    }
}

/// A world whose users have a Partner Center role (the Idp scenario's have none).
async fn world() -> World {
    let w = World::new().await;
    let tid = w.tid().to_owned();
    let (st, u) = post(
        &w.s,
        &w.cpath(&format!("/tenants/{tid}/users")),
        json!({"userPrincipalName": "ops", "roles": ["global-admin"], "mfa": "registered"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{u}");
    let (_, sb) = get(&w.s, &w.cpath("")).await;
    World { s: w.s, sb }
}

#[tokio::test]
async fn statuses_latency_and_dropped_connections_on_partner_center() {
    let w = world().await;
    let token = w.mint(3).await;
    assert_eq!(w.pc(&token).await.unwrap().status(), StatusCode::OK);
    // Twice 429 with Retry-After, then the real answer again.
    let f = w
        .fault(json!({"method": "get", "path": "/v1/agreements", "status": 429, "retryAfter": 3, "times": 2}))
        .await;
    for _ in 0..2 {
        let res = w.pc(&token).await.unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers()["retry-after"], "3");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], 429);
        assert!(body["pcsandbox"]["explanation"]
            .as_str()
            .unwrap()
            .contains(f["id"].as_str().unwrap()));
    }
    assert_eq!(w.pc(&token).await.unwrap().status(), StatusCode::OK);
    let (_, list) = get(&w.s, &w.cpath("/faults")).await;
    assert_eq!(
        (
            list["items"][0]["hits"].as_u64(),
            list["items"][0]["remaining"].as_u64()
        ),
        (Some(2), Some(0))
    );
    // Another path is untouched by a fault on this one; the journal explains the 429s.
    let (_, j) = get(&w.s, &w.cpath("/requests?refused=true")).await;
    assert_eq!(j["items"][0]["refusal"]["code"], "429");

    // Latency, then a dropped connection (no answer at all).
    let (st, _) = call(&w.s, reqwest::Method::DELETE, &w.cpath("/faults"), None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    w.fault(json!({"path": "/v1/**", "latencyMs": 300, "times": 1})).await;
    let t0 = Instant::now();
    assert_eq!(w.pc(&token).await.unwrap().status(), StatusCode::OK);
    assert!(t0.elapsed().as_millis() >= 300);
    let f = w
        .fault(json!({"path": "/v1/agreements", "drop": true, "times": 1}))
        .await;
    let e = w.pc(&token).await.unwrap_err();
    assert!(
        e.is_request() || e.is_connect() || e.to_string().contains("connection"),
        "{e:?}"
    );
    assert_eq!(w.pc(&token).await.unwrap().status(), StatusCode::OK, "once");
    // A fault id that is gone, and a fault that does nothing, are refused.
    let (st, _) = call(
        &w.s,
        reqwest::Method::DELETE,
        &w.cpath(&format!("/faults/{}", f["id"].as_str().unwrap())),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = call(&w.s, reqwest::Method::DELETE, &w.cpath("/faults/flt-nope"), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, e) = post(&w.s, &w.cpath("/faults"), json!({"path": "/v1/**"})).await;
    assert_eq!((st, e["field"].as_str()), (StatusCode::BAD_REQUEST, Some("status")));
    // A reset clears the faults.
    w.fault(json!({"path": "/v1/**", "status": 503})).await;
    post(&w.s, &w.cpath("/reset"), json!({})).await;
    let (_, list) = get(&w.s, &w.cpath("/faults")).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn entra_refusals_on_demand_a_revoked_refresh_token_and_a_key_rollover() {
    let w = world().await;
    // Consent missing for the client-credentials grant.
    w.fault(json!({"path": "/*/oauth2/v2.0/token", "aadsts": 65001, "grantType": "client_credentials", "times": 1}))
        .await;
    let cc = [
        ("grant_type", "client_credentials"),
        ("client_id", w.conf()),
        ("client_secret", "conf-secret-0123456789"),
        ("scope", PC),
    ];
    let (st, e) = w.token(&cc).await;
    assert_eq!(
        (st, e["error_codes"][0].as_u64(), e["suberror"].as_str()),
        (StatusCode::BAD_REQUEST, Some(65001), Some("consent_required"))
    );
    let (st, _) = w.token(&cc).await;
    assert_eq!(st, StatusCode::OK, "once only");

    // MFA required at refresh: the password grant still works, its refresh does not.
    w.fault(json!({"path": "/*/oauth2/v2.0/token", "aadsts": 50076, "grantType": "refresh_token", "times": 1}))
        .await;
    let (st, t) = ropc(&w).await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let (st, e) = refresh(&w, t["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (st, e["error_codes"][0].as_u64()),
        (StatusCode::BAD_REQUEST, Some(50076)),
        "{e}"
    );

    // An admin revokes the user's sessions: its refresh tokens are refused with 50173.
    let (_, t) = ropc(&w).await;
    let (st, r) = post(
        &w.s,
        &w.cpath("/actions/revoke-sessions"),
        json!({"user": "plain@idp.onmicrosoft.com"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert!(r["refreshTokensRevoked"].as_u64().unwrap() >= 1);
    let (st, e) = refresh(&w, t["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (st, e["error_codes"][0].as_u64()),
        (StatusCode::BAD_REQUEST, Some(50173)),
        "{e}"
    );

    // A signing-key rollover: tokens signed before are refused, new ones verify with the new JWKS.
    let old = w.mint(3).await;
    assert_eq!(w.pc(&old).await.unwrap().status(), StatusCode::OK);
    let (st, r) = post(&w.s, &w.cpath("/keys/rollover"), json!({})).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_ne!(r["kid"], r["previousKid"]);
    let res = w.pc(&old).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "the old key no longer verifies");
    let new = w.mint(3).await;
    assert_eq!(w.pc(&new).await.unwrap().status(), StatusCode::OK);
    let claims = verify(&w, &new).await;
    assert_eq!(claims["tid"], w.tid());
    let (_, jwks) = crate::identity::get_abs(&w, &w.url("/discovery/v2.0/keys")).await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [r["kid"].as_str().unwrap()]);
    // Other sandboxes keep the server's key.
    let other = w.s.create_sandbox(json!({"scenario": "empty"})).await.unwrap();
    let (_, jwks) = crate::identity::get_abs(&w, &format!("{}/common/discovery/v2.0/keys", w.s.https_uri())).await;
    assert!(jwks["keys"].as_array().unwrap().iter().all(|k| k["kid"] != r["kid"]));
    drop(other);
}

async fn ropc(w: &World) -> (StatusCode, Value) {
    w.token(&[
        ("grant_type", "password"),
        ("client_id", w.public()),
        ("username", "plain@idp.onmicrosoft.com"),
        ("password", "Plain-Password-1"),
        ("scope", &format!("{PC} offline_access")),
    ])
    .await
}

async fn refresh(w: &World, rt: &str) -> (StatusCode, Value) {
    w.token(&[
        ("grant_type", "refresh_token"),
        ("client_id", w.public()),
        ("refresh_token", rt),
        ("scope", PC),
    ])
    .await
}
