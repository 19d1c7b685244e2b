//! Hostile imports: a bundle is a client's text. Every value is checked as the live API checks
//! it, nothing is written before it passes, and no bundle can make the server answer 500 later.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{call, get, post, server, Server};

/// A sandbox with something in most tables: partners, a relationship request and its mail, a
/// customer (with its default GDAP relationship and agreement), a journaled call, a fault.
async fn rich_bundle(s: &Server) -> Value {
    let sb = s.create_sandbox(json!({"name": "origin"})).await.unwrap();
    let (_, full) = get(s, "/sandbox/v1/sandboxes/origin").await;
    let pla = full["tenants"][1]["partner"]["csp"]["partnerId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, inv) = post(
        s,
        "/sandbox/v1/sandboxes/origin/actions/invite-reseller",
        json!({"as": "admin@contosojp.onmicrosoft.com", "resellerPartnerId": pla}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{inv}");
    let (_, t) = post(
        s,
        "/sandbox/v1/sandboxes/origin/tokens",
        json!({"clientId": sb["apps"][0]["clientId"], "userId": sb["tenants"][0]["users"][0]["id"], "mfa": true}),
    )
    .await;
    let token = t["access_token"].as_str().unwrap().to_owned();
    let customer = json!({"CompanyProfile": {"Domain": "hostile"}, "BillingProfile": {"Email": "b@hostile.example",
        "Culture": "ja-JP", "Language": "ja", "CompanyName": "Hostile KK", "DefaultAddress": {"FirstName": "花子",
        "LastName": "佐藤", "AddressLine1": "港南 2-16-3", "City": "港区", "State": "東京都", "PostalCode": "108-0075", "Country": "JP"}}});
    let res = s
        .client()
        .post(s.url("/v1/customers"))
        .bearer_auth(&token)
        .json(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    post(
        s,
        "/sandbox/v1/sandboxes/origin/faults",
        json!({"path": "/v1/roles", "status": 503}),
    )
    .await;
    let (st, bundle) = get(s, "/sandbox/v1/sandboxes/origin/export").await;
    assert_eq!(st, StatusCode::OK, "{bundle}");
    bundle
}

async fn import(s: &Server, name: &str, bundle: &Value) -> (StatusCode, Value) {
    post(s, "/sandbox/v1/sandboxes", json!({"name": name, "import": bundle})).await
}

async fn assert_list_intact(s: &Server, after: &str) {
    let (st, list) = get(s, "/sandbox/v1/sandboxes?limit=500").await;
    assert_eq!(st, StatusCode::OK, "the sandbox list broke after {after}: {list}");
    let res = s.client().get(s.url("/console")).send().await.unwrap();
    assert!(
        res.status().is_success(),
        "the console broke after {after}: {}",
        res.status()
    );
}

#[tokio::test]
async fn a_nul_client_id_is_refused_naming_the_field_and_nothing_is_kept() {
    let s = server().await;
    let mut bundle = rich_bundle(&s).await;
    bundle["tables"]["apps"][0]["client_id"] = json!("\u{0}");
    let (st, body) = import(&s, "poisoned", &bundle).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "import.tables.apps[0].client_id");
    let (st, _) = get(&s, "/sandbox/v1/sandboxes/poisoned").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "nothing of a refused import is kept");
    assert_list_intact(&s, "a NUL client id").await;
}

#[tokio::test]
async fn an_imported_row_cannot_name_another_sandboxs_tenant() {
    let s = server().await;
    let victim = s.create_sandbox(json!({"name": "victim"})).await.unwrap();
    let victim_tenant = victim["tenants"][0]["id"].as_str().unwrap().to_owned();
    let mut bundle = rich_bundle(&s).await;
    let mut planted = bundle["tables"]["users"][0].clone();
    planted["id"] = json!("6f1a2b3c-0000-4000-8000-0000000000aa");
    planted["tenant_id"] = json!(victim_tenant);
    planted["user_principal_name"] = json!("planted@contosojp.onmicrosoft.com");
    bundle["tables"]["users"].as_array_mut().unwrap().push(planted);
    let (st, body) = import(&s, "planter", &bundle).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["field"].as_str().unwrap().starts_with("import.tables.users["),
        "{body}"
    );
    let (_, v) = get(&s, "/sandbox/v1/sandboxes/victim").await;
    let upns: Vec<&str> = v["tenants"][0]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap())
        .collect();
    assert!(!upns.iter().any(|u| u.starts_with("planted")), "{upns:?}");
}

#[tokio::test]
async fn an_import_past_the_user_limit_is_refused_before_any_work() {
    let s = server().await;
    let mut bundle = rich_bundle(&s).await;
    let user = bundle["tables"]["users"][0].clone();
    bundle["tables"]["users"] = Value::Array(vec![user; 10_001]);
    let started = std::time::Instant::now();
    let (st, body) = import(&s, "crowd", &bundle).await;
    assert_eq!(
        (st, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("import.tables.users")),
        "{body}"
    );
    assert!(body["detail"].as_str().unwrap().contains("10000"), "{body}");
    // Refused on the count: far quicker than importing ten thousand users would take.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn an_imported_mail_link_must_be_http() {
    let s = server().await;
    let mut bundle = rich_bundle(&s).await;
    bundle["tables"]["mailbox"][0]["links"] = json!("[\"javascript:alert(document.cookie)\"]");
    let (st, body) = import(&s, "scripted", &bundle).await;
    assert_eq!(
        (st, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("import.tables.mailbox[0].links")),
        "{body}"
    );
}

/// Every leaf of a bundle (`path`, value), as a JSON pointer.
fn leaves(v: &Value, path: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                leaves(v, format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                leaves(v, format!("{path}/{i}"), out);
            }
        }
        _ => out.push(path),
    }
}

/// Mutates every field of a bundle (another type, empty, NUL, huge, unusual unicode, null): each
/// import answers 201 or a 4xx, a sandbox that was made reads back and exports, and the list of
/// sandboxes (and the console) keeps answering.
#[tokio::test]
async fn every_field_of_a_bundle_mutated_gets_a_4xx_or_a_working_sandbox() {
    let s = server().await;
    let bundle = rich_bundle(&s).await;
    let mut paths = Vec::new();
    leaves(&bundle, String::new(), &mut paths);
    // The journal's pages are large and alike: their columns, not every entry of every page.
    paths.retain(|p| !p.starts_with("/tables/api_journal_pages/") || p.starts_with("/tables/api_journal_pages/0/"));
    assert!(paths.len() > 150, "a rich bundle has many fields: {}", paths.len());
    let huge = "x".repeat(70_000);
    let mutations = [
        json!(42),
        json!(""),
        json!("\u{0}"),
        json!(huge),
        json!("名前\u{202e}\u{fffd}🙂"),
        Value::Null,
        json!({"a": [1]}),
    ];
    let mut made = 0;
    let mut refused = 0;
    for (i, path) in paths.iter().enumerate() {
        let m = &mutations[i % mutations.len()];
        let mut b = bundle.clone();
        *b.pointer_mut(path).unwrap() = m.clone();
        let name = format!("m{i}");
        let (st, body) = import(&s, &name, &b).await;
        match st {
            StatusCode::CREATED => {
                made += 1;
                let (st, one) = get(&s, &format!("/sandbox/v1/sandboxes/{name}")).await;
                assert_eq!(st, StatusCode::OK, "{path} = {m}: imported, then unreadable: {one}");
                let (st, _) = get(&s, &format!("/sandbox/v1/sandboxes/{name}/export")).await;
                assert_eq!(st, StatusCode::OK, "{path} = {m}: imported, then its export failed");
                let (st, _) = call(&s, Method::DELETE, &format!("/sandbox/v1/sandboxes/{name}"), None).await;
                assert_eq!(st, StatusCode::NO_CONTENT);
            }
            st if st.is_client_error() => {
                refused += 1;
                assert!(
                    body["field"].is_string() || body["detail"].is_string(),
                    "{path}: {body}"
                );
                let (st, _) = get(&s, &format!("/sandbox/v1/sandboxes/{name}")).await;
                assert_eq!(st, StatusCode::NOT_FOUND, "{path} = {m}: refused, yet kept");
            }
            st => panic!("{path} = {m}: {st} {body}"),
        }
        if i % 25 == 0 {
            assert_list_intact(&s, path).await;
        }
    }
    assert_list_intact(&s, "every mutation").await;
    eprintln!("{} fields: {refused} refused, {made} made", paths.len());
    assert!(
        refused > made,
        "most mutations break a rule: {refused} refused, {made} made"
    );
}

/// A database an older server's import already poisoned: the list, the console and the
/// sandbox itself still answer, the bad sandbox says why, and deleting it clears it.
#[tokio::test]
async fn one_unreadable_sandbox_is_reported_not_a_500_for_the_whole_list() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poisoned.db");
    let mut settings = testkit::Settings::for_tests();
    settings.database = store::Database::File(path.clone());
    let s = testkit::Sandbox::start_with(settings.clone()).await.unwrap();
    s.create_sandbox(json!({"name": "healthy"})).await.unwrap();
    let bad = s.create_sandbox(json!({"name": "poisoned"})).await.unwrap();
    let app = bad["apps"][0]["clientId"].as_str().unwrap().to_owned();
    s.shutdown().await.unwrap();
    {
        use sqlx::ConnectOptions;
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .connect()
            .await
            .unwrap();
        sqlx::query("UPDATE apps SET client_id = char(0) WHERE client_id = ?")
            .bind(&app)
            .execute(&mut c)
            .await
            .unwrap();
    }
    let s = testkit::Sandbox::start_with(settings).await.unwrap();
    let (st, list) = get(&s, "/sandbox/v1/sandboxes").await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let items = list["items"].as_array().unwrap();
    let poisoned = items.iter().find(|i| i["name"] == "poisoned").unwrap();
    assert!(
        poisoned["unreadable"].as_str().unwrap().contains("unreadable"),
        "{poisoned}"
    );
    let healthy = items.iter().find(|i| i["name"] == "healthy").unwrap();
    assert!(healthy.get("unreadable").is_none());
    assert!(!healthy["tenants"].as_array().unwrap().is_empty());
    assert_list_intact(&s, "a poisoned row").await;
    let (st, one) = get(&s, "/sandbox/v1/sandboxes/poisoned").await;
    assert_eq!(st, StatusCode::OK, "{one}");
    let res = s
        .client()
        .get(s.url("/console/sandboxes/poisoned"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let (st, _) = call(&s, Method::DELETE, "/sandbox/v1/sandboxes/poisoned", None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, list) = get(&s, "/sandbox/v1/sandboxes").await;
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i.get("unreadable").is_none()));
    s.shutdown().await.unwrap();
}
