//! The control plane: sandboxes, isolation, reset, bad input.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::*;

fn tenant_ids(sb: &Value) -> Vec<String> {
    sb["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let s = server().await;
    let (st, body) = get(&s, "/healthz").await;
    assert_eq!((st, body["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (st, body) = get(&s, "/readyz").await;
    assert_eq!((st, body["status"].as_str()), (StatusCode::OK, Some("ready")));
}

#[tokio::test]
async fn a_sandbox_from_the_default_scenario_hands_out_every_credential() {
    let s = server().await;
    let sb = s.create_sandbox(json!({})).await.unwrap();
    assert_eq!(sb["scenario"], "default");
    assert_eq!(sb["authority"], s.https_uri());
    assert!(s.https_uri().starts_with("https://"));
    let t = &sb["tenants"][0];
    assert_eq!(t["domain"], "contosojp.onmicrosoft.com");
    assert_eq!(t["country"], "JP");
    let admin = &t["users"][0];
    assert_eq!(admin["userPrincipalName"], "admin@contosojp.onmicrosoft.com");
    assert_eq!(admin["roles"], json!(["global-admin"]));
    assert_eq!(admin["mfa"]["state"], "registered");
    assert_eq!(admin["mfa"]["totpSecret"], "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    assert!(admin["mfa"]["otpauthUri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    assert_eq!(admin["password"], "Sandbox-Admin-2026!");
    assert!(t["users"][2]["mfa"].get("totpSecret").is_none());
    let app = &sb["apps"][0];
    assert_eq!(app["tenantId"], t["id"]);
    assert_eq!(app["clientSecret"], "sbx~Contoso-CPV-app-secret-2026");
    assert_eq!(sb["apps"][1]["publicClient"], true);
    assert!(sb["apps"][1].get("clientSecret").is_none());
}

#[tokio::test]
async fn generated_passwords_are_shown_once() {
    let s = server().await;
    let sb = s
        .create_sandbox(json!({"scenario": {"tenants": [{"displayName": "Fabrikam", "users": [{"roles": ["admin-agent"], "mfa": "registered"}]}], "apps": [{}]}}))
        .await
        .unwrap();
    let user = &sb["tenants"][0]["users"][0];
    assert_eq!(user["userPrincipalName"], "user1@fabrikam.onmicrosoft.com");
    assert_eq!(user["password"].as_str().unwrap().len(), 16);
    assert_eq!(user["mfa"]["totpSecret"].as_str().unwrap().len(), 32);
    assert_eq!(sb["apps"][0]["clientSecret"].as_str().unwrap().len(), 40);

    let (st, again) = get(&s, &format!("/sandbox/v1/sandboxes/{}", sb["id"].as_str().unwrap())).await;
    assert_eq!(st, StatusCode::OK);
    let again_user = &again["tenants"][0]["users"][0];
    assert!(
        again_user.get("password").is_none(),
        "a generated password is not shown again: {again_user}"
    );
    assert!(again["apps"][0].get("clientSecret").is_none());
    assert_eq!(again_user["mfa"]["totpSecret"], user["mfa"]["totpSecret"]);
}

#[tokio::test]
async fn two_sandboxes_created_in_parallel_are_isolated() {
    let s = server().await;
    let (a, b) = tokio::join!(
        s.create_sandbox(json!({"name": "alpha"})),
        s.create_sandbox(json!({"name": "beta"}))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a["id"], b["id"]);
    assert_ne!(tenant_ids(&a), tenant_ids(&b), "tenant ids are globally unique");
    assert_ne!(a["apps"][0]["clientId"], b["apps"][0]["clientId"]);

    // The same domain can exist in both: uniqueness is per sandbox.
    let tenant = json!({"displayName": "Fabrikam", "domain": "fabrikam.onmicrosoft.com", "users": [{"userPrincipalName": "ops"}]});
    let (st, added) = post(&s, "/sandbox/v1/sandboxes/alpha/tenants", tenant.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{added}");
    let (_, beta) = get(&s, "/sandbox/v1/sandboxes/beta").await;
    assert_eq!(
        beta["tenants"].as_array().unwrap().len(),
        b["tenants"].as_array().unwrap().len(),
        "beta does not see alpha's tenant"
    );
    let (st, _) = post(&s, "/sandbox/v1/sandboxes/beta/tenants", tenant).await;
    assert_eq!(st, StatusCode::CREATED);

    // A tenant of alpha is unknown in beta.
    let alpha_tenant = added["id"].as_str().unwrap();
    let got = post(
        &s,
        &format!("/sandbox/v1/sandboxes/beta/tenants/{alpha_tenant}/users"),
        json!({}),
    )
    .await;
    assert_problem(&got, 404, "NotFound", None);

    // Deleting alpha leaves beta whole.
    let (st, _) = call(&s, Method::DELETE, "/sandbox/v1/sandboxes/alpha", None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_problem(&get(&s, "/sandbox/v1/sandboxes/alpha").await, 404, "NotFound", None);
    let (st, beta) = get(&s, "/sandbox/v1/sandboxes/beta").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        beta["tenants"].as_array().unwrap().len(),
        b["tenants"].as_array().unwrap().len() + 1
    );
    let (_, list) = get(&s, "/sandbox/v1/sandboxes").await;
    let names: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["beta"]);
}

#[tokio::test]
async fn many_sandboxes_in_parallel_never_share_state() {
    let s = server().await;
    let created = futures::future::join_all((0..24).map(|_| s.create_sandbox(json!({})))).await;
    let mut tenants = std::collections::HashSet::new();
    let mut per_sandbox = 0;
    for sb in created {
        let sb = sb.unwrap();
        per_sandbox = tenant_ids(&sb).len();
        for t in tenant_ids(&sb) {
            assert!(tenants.insert(t), "a tenant id appeared in two sandboxes");
        }
    }
    assert!(per_sandbox >= 1);
    assert_eq!(tenants.len(), 24 * per_sandbox);
}

#[tokio::test]
async fn reset_restores_the_scenario_with_the_same_ids_and_credentials() {
    let s = server().await;
    let sb = s.create_sandbox(json!({"name": "resettable"})).await.unwrap();
    let tid = sb["tenants"][0]["id"].as_str().unwrap().to_owned();
    let (st, _) = post(
        &s,
        "/sandbox/v1/sandboxes/resettable/tenants",
        json!({"displayName": "Extra"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/resettable/tenants/{tid}/users"),
        json!({"userPrincipalName": "temp"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, clock) = post(&s, "/sandbox/v1/sandboxes/resettable/clock", json!({"advance": "P30D"})).await;
    let advanced: chrono::DateTime<chrono::Utc> = clock["now"].as_str().unwrap().parse().unwrap();
    assert!(advanced - chrono::Utc::now() > chrono::Duration::days(29));

    let (st, reset) = post(&s, "/sandbox/v1/sandboxes/resettable/reset", json!({})).await;
    assert_eq!(st, StatusCode::OK, "{reset}");
    assert_eq!(reset["id"], sb["id"]);
    assert_eq!(tenant_ids(&reset), tenant_ids(&sb));
    let users = |v: &Value| {
        v["tenants"][0]["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(users(&reset), users(&sb));
    assert_eq!(reset["apps"][0]["clientId"], sb["apps"][0]["clientId"]);
    let now: chrono::DateTime<chrono::Utc> = reset["now"].as_str().unwrap().parse().unwrap();
    assert!(
        (now - chrono::Utc::now()).num_seconds().abs() < 5,
        "the clock is back to real time"
    );

    // The user added before the reset is gone, so its UPN is free again.
    let (st, _) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/resettable/tenants/{tid}/users"),
        json!({"userPrincipalName": "temp"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
}

fn instant(v: &Value, key: &str) -> chrono::DateTime<chrono::Utc> {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .parse()
        .unwrap()
}

fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().unwrap()
}

/// Within a minute of `expected`: the clock runs on in real time after it starts.
fn about(got: chrono::DateTime<chrono::Utc>, expected: &str) {
    let d = (got - at(expected)).num_milliseconds();
    assert!((0..60_000).contains(&d), "{got} is not just after {expected}");
}

#[tokio::test]
async fn the_clock_moves_by_durations_and_business_days() {
    let s = server().await;
    // 2027-01-08 is a Friday: the sandbox starts there whatever today is.
    let sb = s
        .create_sandbox(json!({"name": "clocked", "scenario": "empty", "startAt": "2027-01-08T03:00:00Z"}))
        .await
        .unwrap();
    assert_eq!(sb["startAt"], "2027-01-08T03:00:00.000Z");
    about(instant(&sb, "now"), "2027-01-08T03:00:00Z");
    let (st, after) = post(&s, "/sandbox/v1/sandboxes/clocked/clock", json!({"businessDays": 5})).await;
    assert_eq!(st, StatusCode::OK);
    // Five business days from a Friday are the next Friday.
    about(instant(&after, "now"), "2027-01-15T03:00:00Z");
    let (_, after) = post(&s, "/sandbox/v1/sandboxes/clocked/clock", json!({"advance": "P1DT2H"})).await;
    about(instant(&after, "now"), "2027-01-16T05:00:00Z");
    // From that Saturday one business day is Monday.
    let (_, after) = post(&s, "/sandbox/v1/sandboxes/clocked/clock", json!({"businessDays": 1})).await;
    about(instant(&after, "now"), "2027-01-18T05:00:00Z");
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes/clocked/clock", json!({"advance": "P1M"})).await,
        400,
        "InvalidField",
        Some("advance"),
    );
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes/clocked/clock", json!({"advance": "-P1D"})).await,
        400,
        "InvalidField",
        Some("advance"),
    );
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes/clocked/clock", json!({})).await,
        400,
        "InvalidField",
        Some("advance"),
    );
}

#[tokio::test]
async fn a_sandbox_started_on_a_saturday_counts_business_days_from_monday() {
    let s = server().await;
    s.create_sandbox(json!({"name": "weekend", "scenario": "empty", "startAt": "2027-01-09T03:00:00Z"}))
        .await
        .unwrap();
    let (_, after) = post(&s, "/sandbox/v1/sandboxes/weekend/clock", json!({"businessDays": 5})).await;
    about(instant(&after, "now"), "2027-01-15T03:00:00Z");
}

#[tokio::test]
async fn a_reset_takes_the_clock_back_to_its_start() {
    let s = server().await;
    s.create_sandbox(json!({"name": "restart", "startAt": "2027-03-31T23:30:00+09:00"}))
        .await
        .unwrap();
    post(&s, "/sandbox/v1/sandboxes/restart/clock", json!({"advance": "P40D"})).await;
    let (st, reset) = post(&s, "/sandbox/v1/sandboxes/restart/reset", json!({})).await;
    assert_eq!(st, StatusCode::OK, "{reset}");
    assert_eq!(reset["startAt"], "2027-03-31T14:30:00.000Z");
    about(instant(&reset, "now"), "2027-03-31T14:30:00Z");
    // A sandbox without a start goes back to real time, as before.
    let plain = s
        .create_sandbox(json!({"name": "plain", "scenario": "empty"}))
        .await
        .unwrap();
    assert!(plain.get("startAt").is_none());
    post(&s, "/sandbox/v1/sandboxes/plain/clock", json!({"advance": "P40D"})).await;
    let (_, reset) = post(&s, "/sandbox/v1/sandboxes/plain/reset", json!({})).await;
    let real = chrono::Utc::now();
    assert!((instant(&reset, "now") - real).num_seconds().abs() < 60);
}

#[tokio::test]
async fn a_scenario_states_its_start_and_the_request_wins_over_it() {
    let s = server().await;
    let scenario = json!({"startAt": "2028-02-28T12:00:00Z", "tenants": [{"displayName": "Fabrikam"}]});
    let sb = s
        .create_sandbox(json!({"name": "leap", "scenario": scenario.clone()}))
        .await
        .unwrap();
    about(instant(&sb, "now"), "2028-02-28T12:00:00Z");
    let (_, after) = post(&s, "/sandbox/v1/sandboxes/leap/clock", json!({"advance": "P1D"})).await;
    about(instant(&after, "now"), "2028-02-29T12:00:00Z");
    let sb = s
        .create_sandbox(json!({"name": "leap2", "scenario": scenario, "startAt": "2030-06-03T00:00:00Z"}))
        .await
        .unwrap();
    about(instant(&sb, "now"), "2030-06-03T00:00:00Z");
    // A past start runs behind real time, and moves forward from there.
    let sb = s
        .create_sandbox(json!({"name": "past", "scenario": "empty", "startAt": "2024-05-01T00:00:00Z"}))
        .await
        .unwrap();
    about(instant(&sb, "now"), "2024-05-01T00:00:00Z");
    let (_, after) = post(&s, "/sandbox/v1/sandboxes/past/clock", json!({"advance": "P2D"})).await;
    about(instant(&after, "now"), "2024-05-03T00:00:00Z");
}

#[tokio::test]
async fn a_bad_start_is_refused_naming_the_field_and_creates_nothing() {
    let s = server().await;
    for bad in [
        "2027-01-08",
        "2027-01-08T03:00:00",
        "tomorrow",
        "1999-12-31T23:59:59Z",
        "2999-01-01T00:00:00Z",
    ] {
        assert_problem(
            &post(
                &s,
                "/sandbox/v1/sandboxes",
                json!({"name": "bad-start", "startAt": bad}),
            )
            .await,
            400,
            "InvalidField",
            Some("startAt"),
        );
    }
    assert_problem(
        &post(
            &s,
            "/sandbox/v1/sandboxes",
            json!({"name": "bad-start", "scenario": {"startAt": "1990-01-01T00:00:00Z"}}),
        )
        .await,
        400,
        "InvalidField",
        Some("scenario.startAt"),
    );
    let (st, _) = get(&s, "/sandbox/v1/sandboxes/bad-start").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_input_gets_a_4xx_naming_the_field_and_changes_nothing() {
    let s = server().await;
    s.create_sandbox(json!({"name": "target"})).await.unwrap();
    let (_, sb) = get(&s, "/sandbox/v1/sandboxes/target").await;
    let tid = sb["tenants"][0]["id"].as_str().unwrap().to_owned();
    let users = format!("/sandbox/v1/sandboxes/target/tenants/{tid}/users");

    assert_problem(
        &post_raw(&s, "/sandbox/v1/sandboxes", "{\"name\": ").await,
        400,
        "MalformedJson",
        None,
    );
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes", json!({"nmae": "x"})).await,
        400,
        "InvalidField",
        Some("nmae"),
    );
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes", json!({"name": "Bad Name"})).await,
        400,
        "InvalidField",
        Some("name"),
    );
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes", json!({"name": "target"})).await,
        409,
        "Conflict",
        Some("name"),
    );
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes", json!({"scenario": "nope"})).await,
        404,
        "NotFound",
        Some("scenario"),
    );
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes", json!({"scenario": 3})).await,
        400,
        "InvalidField",
        Some("scenario"),
    );
    assert_problem(
        &post(
            &s,
            "/sandbox/v1/sandboxes",
            json!({"scenario": {"tenants": [{"displayName": "A", "users": [{"roles": ["owner"]}]}]}}),
        )
        .await,
        400,
        "InvalidField",
        Some("scenario.tenants[0].users[0].roles[0]"),
    );
    // A scenario whose second tenant is wrong creates nothing at all.
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes", json!({"name": "half", "scenario": {"tenants": [{"displayName": "A"}, {"displayName": "B", "country": "Japan"}]}})).await,
        400,
        "InvalidField",
        Some("scenario.tenants[1].country"),
    );
    assert_problem(&get(&s, "/sandbox/v1/sandboxes/half").await, 404, "NotFound", None);

    assert_problem(
        &get(&s, "/sandbox/v1/sandboxes/00000000-0000-4000-8000-000000000000").await,
        404,
        "NotFound",
        None,
    );
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes/nope/tenants", json!({"displayName": "A"})).await,
        404,
        "NotFound",
        None,
    );
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes/target/tenants", json!({})).await,
        400,
        "InvalidField",
        Some("displayName"),
    );
    assert_problem(
        &post(
            &s,
            "/sandbox/v1/sandboxes/target/tenants",
            json!({"displayName": "Dup", "domain": "ContosoJP.onmicrosoft.com"}),
        )
        .await,
        409,
        "Conflict",
        Some("domain"),
    );
    assert_problem(
        &post(
            &s,
            "/sandbox/v1/sandboxes/target/tenants",
            json!({"displayName": "Dup", "verifiedDomains": ["contoso.co.jp"]}),
        )
        .await,
        409,
        "Conflict",
        Some("verifiedDomains[0]"),
    );
    assert_problem(
        &post(
            &s,
            "/sandbox/v1/sandboxes/target/tenants",
            json!({"displayName": "D", "domain": "no_underscores.com"}),
        )
        .await,
        400,
        "InvalidField",
        Some("domain"),
    );
    assert_problem(
        &post(&s, &users, json!({"userPrincipalName": "ADMIN"})).await,
        409,
        "Conflict",
        Some("userPrincipalName"),
    );
    assert_problem(
        &post(&s, &users, json!({"userPrincipalName": "x@fabrikam.com"})).await,
        400,
        "InvalidField",
        Some("userPrincipalName"),
    );
    assert_problem(
        &post(&s, &users, json!({"mfa": "sometimes"})).await,
        400,
        "InvalidField",
        Some("mfa"),
    );
    assert_problem(
        &post(&s, &users, json!({"password": "short"})).await,
        400,
        "InvalidField",
        Some("password"),
    );
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes/target/tenants/not-a-guid/users", json!({})).await,
        404,
        "NotFound",
        None,
    );
    assert_problem(
        &post(
            &s,
            "/sandbox/v1/sandboxes/target/apps",
            json!({"tenantId": "not-a-guid"}),
        )
        .await,
        400,
        "InvalidField",
        Some("tenantId"),
    );
    assert_problem(
        &post(&s, "/sandbox/v1/sandboxes/target/apps", json!({})).await,
        400,
        "InvalidField",
        Some("tenantId"),
    );
    assert_problem(
        &post(
            &s,
            "/sandbox/v1/sandboxes/target/apps",
            json!({"tenantId": "00000000-0000-4000-8000-000000000000"}),
        )
        .await,
        404,
        "NotFound",
        Some("tenantId"),
    );
    assert_problem(
        &post(
            &s,
            "/sandbox/v1/sandboxes/target/apps",
            json!({"tenantId": tid, "redirectUris": ["not a uri"]}),
        )
        .await,
        400,
        "InvalidField",
        Some("redirectUris[0]"),
    );
    assert_problem(
        &call(&s, Method::PUT, "/sandbox/v1/sandboxes", None).await,
        405,
        "MethodNotAllowed",
        None,
    );
    assert_problem(&get(&s, "/sandbox/v1/unknown").await, 404, "NotFound", None);

    // None of the refused requests changed the sandbox.
    let (_, after) = get(&s, "/sandbox/v1/sandboxes/target").await;
    assert_eq!(after["tenants"], sb["tenants"]);
    assert_eq!(after["apps"], sb["apps"]);
    let (_, list) = get(&s, "/sandbox/v1/sandboxes").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn users_and_apps_added_later_get_their_credentials_once() {
    let s = server().await;
    let sb = s.create_sandbox(json!({"scenario": "empty"})).await.unwrap();
    let sid = sb["id"].as_str().unwrap();
    let (st, t) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/tenants"),
        json!({"displayName": "Northwind", "country": "us", "verifiedDomains": ["northwind.com"]}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{t}");
    assert_eq!(t["country"], "US");
    assert_eq!(t["domain"], "northwind.onmicrosoft.com");
    let tid = t["id"].as_str().unwrap();
    let (st, u) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/tenants/{tid}/users"),
        json!({"userPrincipalName": "Ann@Northwind.com", "roles": ["global-admin", "admin-agent"], "mfa": "required-unregistered"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{u}");
    assert_eq!(u["userPrincipalName"], "ann@northwind.com");
    assert_eq!(u["roles"], json!(["global-admin", "admin-agent"]));
    assert_eq!(u["mfa"]["state"], "required-unregistered");
    assert!(u["password"].as_str().is_some());
    let (st, a) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/apps"),
        json!({"tenantId": tid, "displayName": "CLI", "publicClient": true, "redirectUris": ["http://localhost"]}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    assert!(a.get("clientSecret").is_none());
    let (_, a2) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/{sid}/apps"),
        json!({"tenantId": tid}),
    )
    .await;
    assert!(a2["clientSecret"].as_str().is_some());
    let (_, now) = get(&s, &format!("/sandbox/v1/sandboxes/{sid}")).await;
    assert_eq!(now["tenants"][0]["users"][0]["id"], u["id"]);
    assert!(now["tenants"][0]["users"][0].get("password").is_none());
    assert_eq!(now["apps"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let s = server().await;
    let res = s
        .client()
        .get(s.url("/healthz"))
        .header("MS-RequestId", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["ms-requestid"], "abc-123");
    let res = s.client().get(s.url("/healthz")).send().await.unwrap();
    let generated = res.headers()["ms-requestid"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok());
    assert!(res.headers().contains_key("ms-correlationid"));
}

#[tokio::test]
async fn off_loopback_the_control_plane_needs_the_admin_key() {
    let mut settings = testkit::Settings::for_tests();
    settings.bind = "0.0.0.0:0".parse().unwrap();
    settings.admin_key = None;
    assert!(
        testkit::Sandbox::start_with(settings.clone()).await.is_err(),
        "no key, no start"
    );
    settings.admin_key = Some("s3cret-key".into());
    let s = testkit::Sandbox::start_with(settings).await.unwrap();
    let url = format!("http://127.0.0.1:{}/sandbox/v1/sandboxes", s.addr().port());
    let res = s.client().get(&url).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers().contains_key("www-authenticate"));
    let res = s.client().get(&url).bearer_auth("wrong-key!").send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = s.client().get(&url).bearer_auth("s3cret-key").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = s
        .client()
        .get(format!("http://127.0.0.1:{}/healthz", s.addr().port()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "health stays open");
}

#[tokio::test]
async fn the_scenario_catalog_lists_and_shows_scenarios() {
    let s = server().await;
    let (_, list) = get(&s, "/sandbox/v1/scenarios").await;
    let names: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"default") && names.contains(&"empty"));
    let (st, one) = get(&s, "/sandbox/v1/scenarios/default").await;
    assert_eq!(st, StatusCode::OK);
    assert!(one["yaml"].as_str().unwrap().contains("contosojp.onmicrosoft.com"));
    assert_problem(&get(&s, "/sandbox/v1/scenarios/nope").await, 404, "NotFound", None);
}

#[tokio::test]
async fn japans_business_calendar_skips_golden_week_and_is_a_setting() {
    let s = server().await;
    // Tuesday 2027-04-27 10:00 in Japan.
    s.create_sandbox(json!({"name": "gw", "scenario": "empty", "startAt": "2027-04-27T10:00:00+09:00"}))
        .await
        .unwrap();
    let (st, sb) = call(
        &s,
        Method::PATCH,
        "/sandbox/v1/sandboxes/gw",
        Some(json!({"businessCalendar": "JP"})),
    )
    .await;
    assert_eq!(
        (st, sb["businessCalendar"].as_str()),
        (StatusCode::OK, Some("JP")),
        "{sb}"
    );
    let (_, after) = post(&s, "/sandbox/v1/sandboxes/gw/clock", json!({"businessDays": 5})).await;
    // 4/28, 4/30, 5/6, 5/7, 5/10: 昭和の日 and 5/3-5/5 are skipped.
    about(instant(&after, "now"), "2027-05-10T01:00:00Z");
    assert_problem(
        &call(
            &s,
            Method::PATCH,
            "/sandbox/v1/sandboxes/gw",
            Some(json!({"businessCalendar": "US"})),
        )
        .await,
        400,
        "InvalidField",
        Some("businessCalendar"),
    );
    // A scenario states it too, and a reset keeps the scenario's.
    let sb = s
        .create_sandbox(
            json!({"name": "ny", "scenario": {"businessCalendar": "JP", "tenants": [{"displayName": "A"}]},
            "startAt": "2026-12-31T09:00:00+09:00"}),
        )
        .await
        .unwrap();
    assert_eq!(sb["businessCalendar"], "JP");
    let (_, after) = post(&s, "/sandbox/v1/sandboxes/ny/clock", json!({"businessDays": 1})).await;
    // Friday 1/1 is 元日: the next business day is Monday 1/4.
    about(instant(&after, "now"), "2027-01-04T00:00:00Z");
    call(
        &s,
        Method::PATCH,
        "/sandbox/v1/sandboxes/ny",
        Some(json!({"businessCalendar": "weekends"})),
    )
    .await;
    let (_, reset) = post(&s, "/sandbox/v1/sandboxes/ny/reset", json!({})).await;
    assert_eq!(reset["businessCalendar"], "JP");
    // The default stays weekends.
    let plain = s
        .create_sandbox(json!({"name": "plain", "scenario": "empty"}))
        .await
        .unwrap();
    assert_eq!(plain["businessCalendar"], "weekends");
}
