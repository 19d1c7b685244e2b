//! Export and import: a sandbox travels as one file and answers the same where it lands, with new
//! secrets; on the server that made it, every id is replaced consistently.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{call, get, post, server, Server};

async fn token(s: &Server, sid: &str, sb: &Value, user: usize) -> String {
    let (st, t) = post(
        s,
        &format!("/sandbox/v1/sandboxes/{sid}/tokens"),
        json!({"clientId": sb["apps"][0]["clientId"], "userId": sb["tenants"][0]["users"][user]["id"], "mfa": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    t["access_token"].as_str().unwrap().to_owned()
}

async fn v1(s: &Server, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut r = s.client().request(method, s.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let res = r.send().await.unwrap();
    let st = res.status();
    (st, res.json().await.unwrap_or(Value::Null))
}

/// What two sandboxes must agree on, ids and secrets aside.
fn shape(sb: &Value) -> Value {
    let tenants: Vec<Value> = sb["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            json!({
                "domain": t["domain"],
                "users": t["users"].as_array().unwrap().iter().map(|u| json!([u["userPrincipalName"], u["roles"], u["mfa"]["state"]])).collect::<Vec<_>>(),
                "partner": t["partner"].get("companyName").map(|_| json!({
                    "companyName": t["partner"]["companyName"],
                    "partnerIds": t["partner"]["partnerIds"],
                    "programs": t["partner"]["programs"],
                    "verification": t["partner"]["verification"]["status"],
                    "csp": t["partner"]["csp"]["partnerId"],
                })),
            })
        })
        .collect();
    json!({"tenants": tenants, "apps": sb["apps"].as_array().unwrap().len(), "mfaEnforcement": sb["mfaEnforcement"]})
}

#[tokio::test]
async fn a_sandbox_exported_and_imported_answers_the_same() {
    let s = server().await;
    let sb = s.create_sandbox(json!({"name": "origin"})).await.unwrap();
    let sid = "origin";
    // State worth carrying: a relationship, a customer, a refused call, a mail, a fault, a later clock.
    let (_, full) = get(&s, &format!("/sandbox/v1/sandboxes/{sid}")).await;
    let pla = full["tenants"][1]["partner"]["csp"]["partnerId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, inv) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/actions/invite-reseller"),
        json!({"as": "admin@contosojp.onmicrosoft.com", "resellerPartnerId": pla}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{inv}");
    let admin = token(&s, sid, &sb, 0).await;
    let customer = json!({"CompanyProfile": {"Domain": "carried"}, "BillingProfile": {"Email": "b@carried.example",
        "Culture": "ja-JP", "Language": "ja", "CompanyName": "Carried KK", "DefaultAddress": {"FirstName": "花子",
        "LastName": "佐藤", "AddressLine1": "港南 2-16-3", "City": "港区", "State": "東京都", "PostalCode": "108-0075", "Country": "JP"}}});
    let (st, c) = v1(&s, &admin, Method::POST, "/v1/customers", Some(customer)).await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/faults"),
        json!({"path": "/v1/roles", "status": 503}),
    )
    .await;
    post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/clock"),
        json!({"advance": "P2D"}),
    )
    .await;
    let (_, before) = get(&s, &format!("/sandbox/v1/sandboxes/{sid}")).await;
    let (_, mail_before) = get(&s, &format!("/sandbox/v1/sandboxes/{sid}/mailbox")).await;

    let (st, bundle) = get(&s, &format!("/sandbox/v1/sandboxes/{sid}/export")).await;
    assert_eq!(st, StatusCode::OK, "{bundle}");
    let text = bundle.to_string();
    for secret in [
        "Sandbox-Admin-2026!",
        "sbx~Contoso-CPV-app-secret-2026",
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    ] {
        assert!(!text.contains(secret), "the bundle leaks {secret}");
    }
    assert!(!text.contains("sha256$"), "no password or secret hashes");

    // Elsewhere: the same ids, new secrets.
    let other = server().await;
    let (st, copy) = post(
        &other,
        "/sandbox/v1/sandboxes",
        json!({"name": "copy", "import": bundle}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{copy}");
    assert!(copy.get("idMap").is_none());
    assert_eq!(
        copy["tenants"][0]["id"], before["tenants"][0]["id"],
        "the ids are kept where they are free"
    );
    assert_eq!(shape(&copy), shape(&before));
    let now = |v: &Value| chrono::DateTime::parse_from_rfc3339(v["now"].as_str().unwrap()).unwrap();
    assert!(
        (now(&copy) - now(&before)).num_seconds().abs() < 60,
        "the clock is where it was"
    );
    let password = copy["tenants"][0]["users"][0]["password"].as_str().unwrap();
    assert_ne!(password, "Sandbox-Admin-2026!", "a new password, shown once");
    let totp = copy["tenants"][0]["users"][0]["mfa"]["totpSecret"].as_str().unwrap();
    assert_ne!(totp, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    // It answers the same: the customer, the mailbox, the journal, the fault.
    let copied = token(&other, "copy", &copy, 0).await;
    let (st, list) = v1(&other, &copied, Method::GET, "/v1/customers", None).await;
    assert_eq!(
        (st, list["items"][0]["companyProfile"]["companyName"].as_str()),
        (StatusCode::OK, Some("Carried KK"))
    );
    let (_, mail) = get(&other, "/sandbox/v1/sandboxes/copy/mailbox").await;
    let subjects = |m: &Value| {
        m["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["subject"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(subjects(&mail), subjects(&mail_before));
    let link = mail["items"][0]["links"][0].as_str().unwrap();
    assert!(
        link.starts_with(other.uri()),
        "links point at the server that holds the sandbox now: {link}"
    );
    let (st, _) = v1(&other, &copied, Method::GET, "/v1/roles", None).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "the fault came along");
    let (_, journal) = get(&other, "/sandbox/v1/sandboxes/copy/requests?limit=1000").await;
    assert!(journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["path"] == "/v1/customers" && e["method"] == "POST"));
    // The reseller can approve the carried invitation there.
    let (st, r) = post(
        &other,
        "/sandbox/v1/sandboxes/copy/actions/respond-relationship-request",
        json!({"as": "admin@northwindjp.onmicrosoft.com", "decision": "approve", "consent": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");

    // On the same server every id is replaced, consistently.
    let (st, again) = post(&s, "/sandbox/v1/sandboxes", json!({"import": bundle})).await;
    assert_eq!(st, StatusCode::CREATED, "{again}");
    let map = again["idMap"].as_object().unwrap();
    let old_tenant = before["tenants"][0]["id"].as_str().unwrap();
    assert_eq!(again["tenants"][0]["id"], map[old_tenant]);
    assert_eq!(shape(&again), shape(&before));
    let t = token(&s, again["id"].as_str().unwrap(), &again, 0).await;
    let (st, list) = v1(&s, &t, Method::GET, "/v1/customers", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_ne!(list["items"][0]["id"], c["id"], "the customer has its new id");

    // A bundle of another schema, or not a bundle, is refused; nothing is created.
    let mut wrong = bundle.clone();
    wrong["schema"] = json!(1);
    let (st, e) = post(&other, "/sandbox/v1/sandboxes", json!({"import": wrong})).await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("import.schema")),
        "{e}"
    );
    let (st, _) = post(&other, "/sandbox/v1/sandboxes", json!({"import": {"hello": 1}})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, list) = call(&other, Method::GET, "/sandbox/v1/sandboxes", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "the copy only");
}

#[tokio::test]
async fn an_imported_sandbox_keeps_its_start_and_its_clock() {
    let s = server().await;
    s.create_sandbox(json!({"name": "started", "scenario": "empty", "startAt": "2027-01-08T03:00:00Z"}))
        .await
        .unwrap();
    post(&s, "/sandbox/v1/sandboxes/started/clock", json!({"advance": "P3D"})).await;
    let (_, bundle) = get(&s, "/sandbox/v1/sandboxes/started/export").await;
    assert_eq!(bundle["sandbox"]["start_at"], "2027-01-08T03:00:00+00:00");
    let (st, copy) = post(
        &s,
        "/sandbox/v1/sandboxes",
        json!({"name": "copy", "import": bundle.clone()}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{copy}");
    assert_eq!(copy["startAt"], "2027-01-08T03:00:00.000Z");
    let now: chrono::DateTime<chrono::Utc> = copy["now"].as_str().unwrap().parse().unwrap();
    let expected: chrono::DateTime<chrono::Utc> = "2027-01-11T03:00:00Z".parse().unwrap();
    assert!((now - expected).num_seconds().abs() < 60, "{now}");
    let (_, reset) = post(&s, "/sandbox/v1/sandboxes/copy/reset", json!({})).await;
    let now: chrono::DateTime<chrono::Utc> = reset["now"].as_str().unwrap().parse().unwrap();
    assert!((now - "2027-01-08T03:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap()).num_seconds() < 60);
    // An import keeps the bundle's start: stating another is refused, as is a start the
    // server could not keep.
    let (st, body) = post(
        &s,
        "/sandbox/v1/sandboxes",
        json!({"name": "copy2", "import": bundle.clone(), "startAt": "2030-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(
        (st, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("startAt")),
        "{body}"
    );
    let mut bad = bundle;
    bad["sandbox"]["start_at"] = json!("1970-01-01T00:00:00Z");
    let (st, body) = post(&s, "/sandbox/v1/sandboxes", json!({"name": "copy3", "import": bad})).await;
    assert_eq!(
        (st, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("import.sandbox.start_at")),
        "{body}"
    );
    let (st, _) = get(&s, "/sandbox/v1/sandboxes/copy3").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}
