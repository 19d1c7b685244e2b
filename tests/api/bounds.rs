//! Everything a client can make grow has a bound, every surface answers bad input in its own
//! format (413 past its body limit, 400 for trailing garbage), and nothing a client sends panics.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

async fn sandbox(s: &Server, scenario: Value) -> Value {
    s.create_sandbox(json!({ "scenario": scenario })).await.unwrap()
}

#[tokio::test]
async fn the_request_journal_keeps_only_its_newest_entries() {
    let mut settings = testkit::Settings::for_tests();
    settings.journal_limit = 20;
    let s = Server::start_with(settings).await.unwrap();
    let sb = s.create_sandbox(json!({"scenario": "default"})).await.unwrap();
    let sid = sb["id"].as_str().unwrap();
    let admin = sb["tenants"][0]["users"][0]["id"].as_str().unwrap();
    let app = sb["apps"][0]["clientId"].as_str().unwrap();
    let (_, t) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/tokens"),
        json!({"clientId": app, "userId": admin, "mfa": true}),
    )
    .await;
    let token = t["access_token"].as_str().unwrap();
    for _ in 0..80 {
        let res = s
            .client()
            .get(s.url("/v1/profiles/legalbusiness"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let (_, journal) = get(&s, &format!("/sandbox/v1/sandboxes/{sid}/requests?limit=10000")).await;
    let n = journal["items"].as_array().unwrap().len();
    assert!((20..=22).contains(&n), "{n} entries kept with a limit of 20");
    let (_, reqs) = call_bearer(&s, "/v1/partnerRequests", token).await;
    assert!(reqs["totalCount"].as_u64().unwrap() <= 22, "{reqs}");
}

async fn call_bearer(s: &Server, path: &str, token: &str) -> (StatusCode, Value) {
    let res = s.client().get(s.url(path)).bearer_auth(token).send().await.unwrap();
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_sandbox_list_comes_in_pages() {
    let s = server().await;
    let mut made = Vec::new();
    for i in 0..5 {
        let sb = s
            .create_sandbox(json!({"name": format!("page-{i}"), "scenario": "empty"}))
            .await
            .unwrap();
        made.push(sb["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let path = match &next {
            None => "/sandbox/v1/sandboxes?limit=2".to_owned(),
            Some(t) => format!("/sandbox/v1/sandboxes?limit=2&continuationToken={t}"),
        };
        let (st, page) = get(&s, &path).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        match page["continuationToken"].as_str() {
            Some(t) => next = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, made);
    assert_problem(
        &get(&s, "/sandbox/v1/sandboxes?limit=0").await,
        400,
        "InvalidField",
        Some("limit"),
    );
    assert_problem(
        &get(&s, "/sandbox/v1/sandboxes?continuationToken=abc").await,
        400,
        "InvalidField",
        Some("continuationToken"),
    );
    assert_problem(
        &get(&s, "/sandbox/v1/sandboxes?limt=2").await,
        400,
        "InvalidField",
        Some("limt"),
    );
}

#[tokio::test]
async fn the_mailbox_comes_in_pages_newest_first() {
    let s = server().await;
    let sb = s.create_sandbox(json!({"scenario": "onboarding"})).await.unwrap();
    let sid = sb["id"].as_str().unwrap();
    let admin = sb["tenants"][0]["users"][0]["userPrincipalName"].as_str().unwrap();
    let (st, body) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/actions/register-partner"),
        json!({"as": admin, "companyName": "Fabrikam Japan 株式会社", "website": "https://www.fabrikam.co.jp",
               "address": {"country": "JP", "state": "東京都", "city": "千代田区", "addressLine1": "丸の内 2-7-2", "postalCode": "100-7090"},
               "primaryContact": {"firstName": "花子", "lastName": "佐藤", "email": "hanako.sato@fabrikam.co.jp", "phoneNumber": "03-1234-0000"}}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    for _ in 0..4 {
        let (st, body) = post(
            &s,
            &format!("/sandbox/v1/sandboxes/{sid}/actions/resend-verification-email"),
            json!({"as": admin}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{body}");
    }
    let (_, all) = get(&s, &format!("/sandbox/v1/sandboxes/{sid}/mailbox?limit=1000")).await;
    let all: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(all.len() >= 5, "{all:?}");
    let (_, first) = get(&s, &format!("/sandbox/v1/sandboxes/{sid}/mailbox?limit=2")).await;
    let token = first["continuationToken"].as_str().unwrap();
    let (_, second) = get(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/mailbox?limit=2&continuationToken={token}"),
    )
    .await;
    let paged: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(paged, all[..4].iter().map(String::as_str).collect::<Vec<_>>());
}

#[tokio::test]
async fn scenario_sizes_have_limits_that_the_refusal_names() {
    let s = server().await;
    let tenants: Vec<Value> = (0..201).map(|i| json!({"displayName": format!("T{i}")})).collect();
    let got = post(&s, "/sandbox/v1/sandboxes", json!({"scenario": {"tenants": tenants}})).await;
    assert_problem(&got, 400, "InvalidField", Some("scenario.tenants"));
    assert!(
        got.1["detail"].as_str().unwrap().contains("at most 200 tenants"),
        "{}",
        got.1
    );
    let users: Vec<Value> = (0..10_001).map(|_| json!({})).collect();
    let got = post(
        &s,
        "/sandbox/v1/sandboxes",
        json!({"scenario": {"tenants": [{"displayName": "Big", "users": users}]}}),
    )
    .await;
    assert_eq!(got.0, StatusCode::BAD_REQUEST, "{}", got.1);
    assert!(
        got.1["detail"].as_str().unwrap().contains("at most 10000 users"),
        "{}",
        got.1
    );
    // Live additions count against the same limits.
    let sb = sandbox(&s, json!({"tenants": [{"displayName": "Small"}]})).await;
    let sid = sb["id"].as_str().unwrap();
    let uris: Vec<String> = (0..257).map(|i| format!("http://localhost/{i}")).collect();
    let got = post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/apps"),
        json!({"tenantId": sb["tenants"][0]["id"], "redirectUris": uris}),
    )
    .await;
    assert_problem(&got, 400, "InvalidField", Some("redirectUris"));
}

#[tokio::test]
async fn a_sandbox_of_ten_thousand_users_is_created_in_one_go() {
    let s = server().await;
    let users: Vec<Value> = (0..10_000).map(|_| json!({})).collect();
    let sb = sandbox(&s, json!({"tenants": [{"displayName": "Big", "users": users}]})).await;
    assert_eq!(sb["tenants"][0]["users"].as_array().unwrap().len(), 10_000);
    assert_eq!(
        sb["tenants"][0]["users"][9_999]["userPrincipalName"],
        "user10000@big.onmicrosoft.com"
    );
}

#[tokio::test]
async fn bodies_past_each_surface_limit_get_413_in_that_surface_format() {
    let s = server().await;
    let big = "x".repeat(2 * 1024 * 1024);
    // An import may be big, up to 64 MiB, and no more.
    let huge = "x".repeat(65 * 1024 * 1024);
    let res = s
        .client()
        .post(s.url("/sandbox/v1/sandboxes"))
        .header("content-type", "application/json")
        .body(format!("{{\"import\":{{\"x\":\"{huge}\"}}}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    drop(huge);
    // Control plane: a problem (1 MiB for everything but POST /sandboxes, which takes an import).
    let sb = s.create_sandbox(json!({"scenario": "empty"})).await.unwrap();
    let res = s
        .client()
        .post(s.url(&format!(
            "/sandbox/v1/sandboxes/{}/registry",
            sb["id"].as_str().unwrap()
        )))
        .header("content-type", "application/json")
        .body(format!("{{\"companyName\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["status"].as_u64(), body["code"].as_str()),
        (Some(413), Some("TooLarge")),
        "{body}"
    );
    // Partner Center: its error body (before the token is even looked at).
    let res = s
        .client()
        .put(s.url("/v1/profiles/legalbusiness"))
        .bearer_auth("x")
        .header("content-type", "application/json")
        .body(format!("{{\"companyName\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(
        status == StatusCode::PAYLOAD_TOO_LARGE || status == StatusCode::UNAUTHORIZED,
        "{status} {body}"
    );
    assert!(body["code"].is_number() && body["description"].is_string(), "{body}");
    // Entra: its JSON error.
    let sb = s.create_sandbox(json!({"scenario": "default"})).await.unwrap();
    let tid = sb["tenants"][0]["id"].as_str().unwrap();
    let res = s
        .client()
        .post(format!("{}/{tid}/oauth2/v2.0/token", s.https_uri()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=client_credentials&junk={big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert_eq!(body["error_codes"], json!([90023]));
}

#[tokio::test]
async fn a_partner_center_body_past_the_limit_is_413_once_authenticated() {
    let s = server().await;
    let sb = s.create_sandbox(json!({"scenario": "default"})).await.unwrap();
    let sid = sb["id"].as_str().unwrap();
    let (_, t) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/tokens"),
        json!({"clientId": sb["apps"][0]["clientId"], "userId": sb["tenants"][0]["users"][0]["id"], "mfa": true}),
    )
    .await;
    let big = "x".repeat(300 * 1024);
    let res = s
        .client()
        .put(s.url("/v1/profiles/legalbusiness"))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .header("content-type", "application/json")
        .body(format!("{{\"companyName\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["code"].as_u64(), body["source"].as_str()),
        (Some(800002), Some("PartnerFD")),
        "{body}"
    );
    // Trailing garbage after a JSON body is malformed input on /v1 too.
    let res = s
        .client()
        .put(s.url("/v1/profiles/legalbusiness"))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .header("content-type", "application/json")
        .body("{\"companyName\":\"A\"} trailing")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn trailing_garbage_after_a_control_plane_body_is_refused() {
    let s = server().await;
    let got = post_raw(&s, "/sandbox/v1/sandboxes", r#"{"scenario":"empty"} {"name":"x"}"#).await;
    assert_problem(&got, 400, "MalformedJson", None);
    // An unknown field anywhere, nested too, is named.
    let got = post(
        &s,
        "/sandbox/v1/sandboxes",
        json!({"scenario": {"tenants": [{"displayName": "A", "contry": "JP"}]}}),
    )
    .await;
    assert_problem(&got, 400, "InvalidField", Some("scenario.tenants[0].contry"));
}

#[tokio::test]
async fn huge_clock_moves_are_refused_and_the_clock_never_goes_back() {
    let s = server().await;
    let sb = s.create_sandbox(json!({"scenario": "empty"})).await.unwrap();
    let path = format!("/sandbox/v1/sandboxes/{}/clock", sb["id"].as_str().unwrap());
    let nines = "9".repeat(400);
    let got = post(&s, &path, json!({"advance": format!("P{nines}W1D")})).await;
    assert_problem(&got, 400, "InvalidField", Some("advance"));
    let (_, before) = get(&s, &path).await;
    // Ten years at a time: within a century the clock says no more, and never wraps.
    let mut refused = None;
    for _ in 0..15 {
        let got = post(&s, &path, json!({"advance": "P3660D"})).await;
        if got.0 != StatusCode::OK {
            refused = Some(got);
            break;
        }
        assert!(got.1["now"].as_str().unwrap() > before["now"].as_str().unwrap());
    }
    let got = refused.expect("a century of moves was accepted");
    assert_problem(&got, 400, "InvalidField", Some("advance"));
    assert!(got.1["detail"].as_str().unwrap().contains("100 years"), "{}", got.1);
    let got = post(&s, &path, json!({"businessDays": 4_000_000_000u32})).await;
    assert_problem(&got, 400, "InvalidField", Some("businessDays"));
}

#[tokio::test]
async fn an_address_of_a_dozen_kanji_digits_is_an_answer_not_a_crash() {
    let s = server().await;
    let sb = s.create_sandbox(json!({"scenario": "onboarding"})).await.unwrap();
    let sid = sb["id"].as_str().unwrap();
    let admin = sb["tenants"][0]["users"][0]["id"].as_str().unwrap();
    let (st, body) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/actions/register-partner"),
        json!({"as": admin, "companyName": "Fabrikam Japan 株式会社", "website": "https://www.fabrikam.co.jp",
               "address": {"country": "JP", "state": "東京都", "city": "千代田区", "addressLine1": "丸の内九九九九九九九九九九九丁目", "postalCode": "100-7090"},
               "primaryContact": {"firstName": "花子", "lastName": "佐藤", "email": "hanako.sato@fabrikam.co.jp", "phoneNumber": "03-1234-0000"}}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["partner"]["verification"]["checks"]["company"]["state"], "rejected",
        "{body}"
    );
}

#[tokio::test]
async fn two_thousand_idle_connections_do_not_stop_healthz() {
    let s = server().await;
    let mut idle = Vec::new();
    for _ in 0..2000 {
        idle.push(tokio::net::TcpStream::connect(s.addr()).await.unwrap());
    }
    let res = tokio::time::timeout(Duration::from_secs(10), s.client().get(s.url("/healthz")).send())
        .await
        .expect("healthz answered in time")
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    drop(idle);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let mut settings = testkit::Settings::for_tests();
    settings.header_read_timeout = Duration::from_millis(500);
    settings.idle_timeout = Duration::from_secs(1);
    let s = Server::start_with(settings).await.unwrap();
    let mut slow = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buf))
        .await
        .expect("the server closed the connection")
        .unwrap_or(0);
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(n == 0 || answer.contains("408"), "{answer}");
    // A connection that says nothing at all is closed as idle.
    let mut silent = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buf))
        .await
        .expect("the server closed the idle connection")
        .unwrap_or(0);
    assert_eq!(n, 0);
}

/// The header timeout starts at accept: a connection that never sends a byte is closed then, long
/// before the idle timeout (1,100 of them once exhausted the server's file limit).
#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_header_timeout() {
    let mut settings = testkit::Settings::for_tests();
    settings.header_read_timeout = Duration::from_millis(500);
    settings.idle_timeout = Duration::from_secs(60);
    let s = Server::start_with(settings).await.unwrap();
    let mut silent = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buf))
        .await
        .expect("closed before the idle timeout")
        .unwrap_or(0);
    assert_eq!(n, 0);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

/// A token request needs no credentials, so whatever it carries is an attacker's: its journal
/// entry stays a few hundred bytes however large the request was.
#[tokio::test]
async fn unauthenticated_requests_journal_short_entries() {
    let s = server().await;
    let sb = s.create_sandbox(json!({"name": "flooded"})).await.unwrap();
    let tid = sb["tenants"][0]["id"].as_str().unwrap();
    let public = sb["apps"][1]["clientId"].as_str().unwrap();
    let big = "x".repeat(40_000);
    for form in [
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", big.as_str()),
            ("client_secret", "s"),
            ("scope", "https://api.partnercenter.microsoft.com/.default"),
        ],
        vec![("grant_type", big.as_str())],
        vec![
            ("grant_type", "password"),
            ("client_id", public),
            ("username", big.as_str()),
            ("password", "x"),
            ("scope", "openid"),
        ],
    ] {
        let res = s
            .client()
            .post(s.url(&format!("/{tid}/oauth2/v2.0/token")))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
    let (_, journal) = get(&s, "/sandbox/v1/sandboxes/flooded/requests?limit=10").await;
    let items = journal["items"].as_array().unwrap();
    assert!(items.len() >= 3, "{journal}");
    for e in items {
        let size = e.to_string().len();
        assert!(size < 2_000, "a {size}-byte entry: {}", &e.to_string()[..300]);
    }
}

/// README's 1 MiB holds on POST /sandbox/v1/sandboxes too: only an import may be larger.
#[tokio::test]
async fn only_an_import_may_be_larger_than_a_mebibyte() {
    let s = server().await;
    let big = json!({"name": "big", "scenario": {"description": "x".repeat(2 * 1024 * 1024)}});
    let (st, body) = post(&s, "/sandbox/v1/sandboxes", big).await;
    assert_eq!(
        (st, body["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("TooLarge")),
        "{body}"
    );
    let (st, _) = get(&s, "/sandbox/v1/sandboxes/big").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // An import of more than a mebibyte is taken (one at a time).
    let users: Vec<Value> = (0..4000)
        .map(|i| json!({"userPrincipalName": format!("user{i}")}))
        .collect();
    s.create_sandbox(json!({"name": "crowd", "scenario": {"tenants": [{"displayName": "Crowd", "users": users}]}}))
        .await
        .unwrap();
    let (_, bundle) = get(&s, "/sandbox/v1/sandboxes/crowd/export").await;
    assert!(bundle.to_string().len() > 1024 * 1024);
    let (st, body) = post(
        &s,
        "/sandbox/v1/sandboxes",
        json!({"name": "crowd-copy", "import": bundle}),
    )
    .await;
    assert_eq!(
        st,
        StatusCode::CREATED,
        "{}",
        &body.to_string()[..200.min(body.to_string().len())]
    );
}

/// A page of the sandbox list is bounded by what its sandboxes hold, not only by their number:
/// three sandboxes of 7,000 users come two on a page, the third on the next.
#[tokio::test]
async fn a_page_of_big_sandboxes_ends_early_and_continues() {
    let s = server().await;
    for name in ["big-1", "big-2", "big-3"] {
        let users: Vec<Value> = (0..7000)
            .map(|i| json!({"userPrincipalName": format!("u{i}")}))
            .collect();
        let (st, _) = post(
            &s,
            "/sandbox/v1/sandboxes",
            json!({"name": name, "scenario": {"tenants": [{"displayName": "Big", "users": users}]}}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED);
    }
    let (st, first) = get(&s, "/sandbox/v1/sandboxes").await;
    assert_eq!(st, StatusCode::OK);
    let names = |p: &Value| -> Vec<String> {
        p["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["big-1", "big-2"]);
    let token = first["continuationToken"]
        .as_str()
        .expect("a continuation after an early end");
    let (_, second) = get(&s, &format!("/sandbox/v1/sandboxes?continuationToken={token}")).await;
    assert_eq!(names(&second), ["big-3"]);
    assert!(second.get("continuationToken").is_none());
}

/// Past a body limit, each surface answers in its own format (axum's own refusal is plain text).
#[tokio::test]
async fn a_body_past_the_limit_is_refused_in_each_surfaces_format() {
    let s = server().await;
    let sb = s.scenario("default").await.unwrap();
    let token = sb
        .user_token_for(
            "admin@contosojp.onmicrosoft.com",
            testkit::Mfa::Yes,
            "https://graph.microsoft.com",
        )
        .await
        .unwrap();
    let big = "x".repeat(100 * 1024);
    let res = s
        .client()
        .post(s.url("/v1.0/tenantRelationships/delegatedAdminRelationships"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(format!("{{\"displayName\": \"{big}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "requestEntityTooLarge", "{body}");
    let big = format!("name={}", "x".repeat(3 * 1024 * 1024));
    let res = s
        .client()
        .post(s.url("/console/sandboxes"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
}
