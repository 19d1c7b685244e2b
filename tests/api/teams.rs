//! Team keys: on a shared server each team sees and changes only its own sandboxes.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{call, post, server, Server};

const ADMIN: &str = "admin-key-for-team-tests";

async fn shared_server() -> Server {
    let mut settings = testkit::Settings::for_tests();
    settings.admin_key = Some(ADMIN.into());
    Server::start_with(settings).await.unwrap()
}

async fn with_key(s: &Server, key: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = s.client().request(method, s.url(path)).bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let st = res.status();
    let text = res.text().await.unwrap();
    (st, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn new_key(s: &Server, team: &str) -> String {
    let (st, body) = with_key(s, ADMIN, Method::POST, "/sandbox/v1/keys", Some(json!({"team": team}))).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["team"], team);
    body["key"].as_str().unwrap().to_owned()
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn team_keys_need_a_server_with_an_admin_key() {
    let s = server().await;
    let (st, body) = post(&s, "/sandbox/v1/keys", json!({"team": "qa"})).await;
    assert_eq!(
        (st, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("Forbidden")),
        "{body}"
    );
}

#[tokio::test]
async fn the_admin_key_makes_lists_and_revokes_team_keys() {
    let s = shared_server().await;
    let qa = new_key(&s, "qa").await;
    assert!(qa.starts_with("pcsbx_team_") && qa.len() > 40, "{qa}");
    let (st, body) = with_key(&s, ADMIN, Method::POST, "/sandbox/v1/keys", Some(json!({"team": "qa"}))).await;
    assert_eq!(
        (st, body["field"].as_str()),
        (StatusCode::CONFLICT, Some("team")),
        "{body}"
    );
    let (st, body) = with_key(
        &s,
        ADMIN,
        Method::POST,
        "/sandbox/v1/keys",
        Some(json!({"team": "Q A"})),
    )
    .await;
    assert_eq!(
        (st, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("team")),
        "{body}"
    );
    new_key(&s, "dev").await;
    let (st, list) = with_key(&s, ADMIN, Method::GET, "/sandbox/v1/keys", None).await;
    assert_eq!(st, StatusCode::OK);
    let teams: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["team"].as_str().unwrap())
        .collect();
    assert_eq!(teams, ["dev", "qa"]);
    assert!(!list.to_string().contains(&qa), "a key is shown once, at its creation");
    // A team key manages no keys.
    let (st, _) = with_key(&s, &qa, Method::GET, "/sandbox/v1/keys", None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = with_key(&s, &qa, Method::DELETE, "/sandbox/v1/keys/dev", None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Revoked: the next request with it is refused; its sandboxes stay for the admin.
    let (st, _) = with_key(
        &s,
        &qa,
        Method::POST,
        "/sandbox/v1/sandboxes",
        Some(json!({"name": "qa-1", "scenario": "empty"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = with_key(&s, ADMIN, Method::DELETE, "/sandbox/v1/keys/qa", None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = with_key(&s, &qa, Method::GET, "/sandbox/v1/sandboxes", None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = with_key(&s, ADMIN, Method::GET, "/sandbox/v1/sandboxes/qa-1", None).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = with_key(&s, ADMIN, Method::DELETE, "/sandbox/v1/keys/qa", None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // A key that was never given, or none at all.
    let (st, _) = with_key(&s, "pcsbx_team_forged", Method::GET, "/sandbox/v1/sandboxes", None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = call(&s, Method::GET, "/sandbox/v1/sandboxes", None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_team_sees_only_its_sandboxes_on_every_control_plane_route() {
    let s = shared_server().await;
    let qa = new_key(&s, "qa").await;
    let dev = new_key(&s, "dev").await;
    let (st, mine) = with_key(
        &s,
        &qa,
        Method::POST,
        "/sandbox/v1/sandboxes",
        Some(json!({"name": "qa-box"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{mine}");
    let (st, _) = with_key(
        &s,
        &dev,
        Method::POST,
        "/sandbox/v1/sandboxes",
        Some(json!({"name": "dev-box"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = with_key(
        &s,
        ADMIN,
        Method::POST,
        "/sandbox/v1/sandboxes",
        Some(json!({"name": "admin-box", "scenario": "empty"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);

    let (_, list) = with_key(&s, &qa, Method::GET, "/sandbox/v1/sandboxes", None).await;
    assert_eq!(names(&list), ["qa-box"]);
    let (_, list) = with_key(&s, ADMIN, Method::GET, "/sandbox/v1/sandboxes", None).await;
    assert_eq!(names(&list), ["qa-box", "dev-box", "admin-box"]);

    let tenant = mine["tenants"][0]["id"].as_str().unwrap().to_owned();
    let user = mine["tenants"][0]["users"][0]["id"].as_str().unwrap().to_owned();
    let app = mine["apps"][0]["clientId"].as_str().unwrap().to_owned();
    let id = mine["id"].as_str().unwrap().to_owned();
    // Every route of a sandbox, by name and by id: 404 for another team, as if it did not exist.
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, String::new(), None),
        (Method::PATCH, String::new(), Some(json!({"reviewBusinessDays": 3}))),
        (Method::GET, "/export".into(), None),
        (Method::POST, "/reset".into(), Some(json!({}))),
        (
            Method::POST,
            "/tokens".into(),
            Some(json!({"clientId": app, "userId": user, "mfa": true})),
        ),
        (
            Method::POST,
            "/sign-ins".into(),
            Some(json!({"clientId": app, "user": user})),
        ),
        (Method::GET, "/requests".into(), None),
        (Method::GET, "/mailbox".into(), None),
        (Method::GET, "/clock".into(), None),
        (Method::POST, "/clock".into(), Some(json!({"advance": "P1D"}))),
        (Method::GET, "/faults".into(), None),
        (
            Method::POST,
            "/faults".into(),
            Some(json!({"path": "/v1/roles", "status": 503})),
        ),
        (Method::GET, "/registry".into(), None),
        (Method::POST, "/tenants".into(), Some(json!({"displayName": "Planted"}))),
        (
            Method::POST,
            format!("/tenants/{tenant}/users"),
            Some(json!({"userPrincipalName": "planted"})),
        ),
        (
            Method::PATCH,
            format!("/tenants/{tenant}"),
            Some(json!({"mfaTechnicalException": true})),
        ),
        (Method::POST, "/apps".into(), Some(json!({"tenantId": tenant}))),
        (Method::POST, "/actions/decide-verification".into(), Some(json!({}))),
        (Method::GET, "/relationship-requests".into(), None),
        (Method::GET, "/webhook-deliveries".into(), None),
        (Method::GET, "/gdap".into(), None),
        (Method::POST, "/keys/rollover".into(), Some(json!({}))),
        (Method::DELETE, String::new(), None),
    ];
    for sid in ["qa-box", id.as_str()] {
        for (m, suffix, body) in &routes {
            let path = format!("/sandbox/v1/sandboxes/{sid}{suffix}");
            let (st, got) = with_key(&s, &dev, m.clone(), &path, body.clone()).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{m} {path} as another team: {got}");
            assert_eq!(got["code"], "NotFound", "{m} {path}");
        }
    }
    let (_, after) = with_key(&s, &qa, Method::GET, "/sandbox/v1/sandboxes/qa-box", None).await;
    assert_eq!(
        after["tenants"], mine["tenants"],
        "nothing changed through another team's key"
    );
    // The owner reaches them (status aside from 404), the admin too.
    for (m, suffix, body) in &routes {
        let path = format!("/sandbox/v1/sandboxes/qa-box{suffix}");
        let (st, got) = with_key(&s, &qa, m.clone(), &path, body.clone()).await;
        assert_ne!(st, StatusCode::NOT_FOUND, "{m} {path} as its team: {got}");
        assert!(!st.is_server_error(), "{m} {path}: {got}");
    }
    let (st, _) = with_key(&s, ADMIN, Method::GET, "/sandbox/v1/sandboxes/dev-box", None).await;
    assert_eq!(st, StatusCode::OK);
    // An import made with a team key is the team's too.
    let (_, bundle) = with_key(&s, ADMIN, Method::GET, "/sandbox/v1/sandboxes/admin-box/export", None).await;
    let (st, _) = with_key(
        &s,
        &dev,
        Method::POST,
        "/sandbox/v1/sandboxes",
        Some(json!({"name": "dev-copy", "import": bundle})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, list) = with_key(&s, &dev, Method::GET, "/sandbox/v1/sandboxes", None).await;
    assert_eq!(names(&list), ["dev-box", "dev-copy"]);
}

#[tokio::test]
async fn the_console_shows_what_its_key_may_see() {
    let s = shared_server().await;
    let qa = new_key(&s, "qa").await;
    let dev = new_key(&s, "dev").await;
    with_key(
        &s,
        &qa,
        Method::POST,
        "/sandbox/v1/sandboxes",
        Some(json!({"name": "qa-box", "scenario": "empty"})),
    )
    .await;
    with_key(
        &s,
        &dev,
        Method::POST,
        "/sandbox/v1/sandboxes",
        Some(json!({"name": "dev-box", "scenario": "empty"})),
    )
    .await;
    let login = |key: String| {
        let s = &s;
        async move {
            let res = s
                .client()
                .post(s.url("/console/login"))
                .form(&[("key", key.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            res.headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
                .collect::<Vec<_>>()
                .join("; ")
        }
    };
    let page = |cookie: String, path: &'static str| {
        let s = &s;
        async move {
            let res = s
                .client()
                .get(s.url(path))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let cookie = login(qa.clone()).await;
    let (st, home) = page(cookie.clone(), "/console").await;
    assert_eq!(st, StatusCode::OK);
    assert!(home.contains("qa-box") && !home.contains("dev-box"), "{home}");
    let (st, _) = page(cookie.clone(), "/console/sandboxes/dev-box").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = page(cookie.clone(), "/console/sandboxes/qa-box").await;
    assert_eq!(st, StatusCode::OK);
    let admin = login(ADMIN.to_owned()).await;
    let (_, home) = page(admin, "/console").await;
    assert!(home.contains("qa-box") && home.contains("dev-box"));
    // A revoked team's console session ends with its key.
    with_key(&s, ADMIN, Method::DELETE, "/sandbox/v1/keys/qa", None).await;
    let (st, _) = page(cookie, "/console").await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let res = s
        .client()
        .post(s.url("/console/login"))
        .form(&[("key", qa.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
