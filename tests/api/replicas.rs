//! The team server: two replicas on one PostgreSQL database behave as one server. They need a
//! PostgreSQL server (`PCSANDBOX_TEST_DATABASE`, which tests/postgres/run.sh provides); without
//! one they say so and pass.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::identity::{assert_entra, PC};
use crate::support::*;

/// A fresh database on the PostgreSQL server of `PCSANDBOX_TEST_DATABASE` (and that server's
/// URL), or `None`, said on stderr, when there is none.
async fn fresh_database() -> Option<(String, String)> {
    let Some(base) = std::env::var("PCSANDBOX_TEST_DATABASE").ok().filter(|b| !b.is_empty()) else {
        eprintln!("PCSANDBOX_TEST_DATABASE is not set: no PostgreSQL server, no replicas to test");
        return None;
    };
    let url = api::settings::fresh_postgres_database(&base).await.unwrap();
    Some((base, url))
}

/// `n` in-process servers on the database `url`, each with the test settings `tweak` changes.
async fn servers_on(url: &str, n: usize, tweak: impl Fn(&mut testkit::Settings)) -> Vec<Server> {
    let mut out = Vec::new();
    for _ in 0..n {
        let mut s = testkit::Settings::for_tests();
        s.database = api::settings::Database::Postgres(url.to_owned());
        tweak(&mut s);
        out.push(Server::start_with(s).await.unwrap());
    }
    out
}

/// The balancer's URL, every replica's `--public-url`. Requests go to one replica or the other
/// with this Host, as a balancer passes them on.
const PUBLIC: &str = "team.pcsandbox.test";

/// Two servers on one fresh PostgreSQL database behind one public URL, each started with a
/// signing key of its own: the key they end up sharing can only come from the database.
async fn two_replicas() -> Option<(Server, Server)> {
    let (_, url) = fresh_database().await?;
    let mut replicas = servers_on(&url, 2, |s| {
        s.signing_key_pem = Some(identity::SigningKey::generate().unwrap().pem().to_owned());
        s.public_url = Some(format!("https://{PUBLIC}"));
    })
    .await;
    let b = replicas.pop()?;
    let a = replicas.pop()?;
    Some((a, b))
}

fn sid(sb: &Value) -> &str {
    sb["id"].as_str().unwrap()
}

const USERS: &str = r#"{"scenario": {"tenants": [{"displayName": "Idp", "domain": "idp.onmicrosoft.com", "users": [
    {"userPrincipalName": "plain", "password": "Plain-Password-1"}]}],
  "apps": [{"displayName": "pub", "publicClient": true, "redirectUris": ["http://localhost:8400/cb"]}]}}"#;

/// A password sign-in (ROPC) on a replica's token endpoint.
async fn ropc(on: &Server, sb: &Value, user: &str, pass: &str) -> (StatusCode, Value) {
    let tid = sb["tenants"][0]["id"].as_str().unwrap();
    let res = on
        .client()
        .post(format!("{}/{tid}/oauth2/v2.0/token", on.https_bound_uri()))
        .header("host", PUBLIC)
        .form(&[
            ("grant_type", "password"),
            ("client_id", sb["apps"][0]["clientId"].as_str().unwrap()),
            ("username", user),
            ("password", pass),
            ("scope", &format!("{PC} offline_access")),
        ])
        .send()
        .await
        .unwrap();
    let st = res.status();
    (st, res.json().await.unwrap())
}

#[tokio::test]
async fn a_write_on_one_replica_is_read_on_the_other_at_once() {
    let Some((a, b)) = two_replicas().await else { return };
    let sb = a.create_sandbox(json!({"scenario": "default"})).await.unwrap();
    let path = format!("/sandbox/v1/sandboxes/{}", sid(&sb));
    let (st, seen) = get(&b, &path).await;
    assert_eq!(st, StatusCode::OK, "{seen}");
    assert_eq!(seen["tenants"], sb["tenants"]);
    // The clock, read on B between moves on A: never behind. B's reads are cached between writes,
    // so this holds only if A's commits make B's cache stale.
    for _ in 0..10 {
        let (st, moved) = post(&a, &format!("{path}/clock"), json!({"advance": "PT1H"})).await;
        assert_eq!(st, StatusCode::OK, "{moved}");
        let (_, on_b) = get(&b, &format!("{path}/clock")).await;
        let (at_a, at_b) = (moved["now"].as_str().unwrap(), on_b["now"].as_str().unwrap());
        assert!(at_b >= at_a, "B's clock {at_b} is behind A's {at_a}");
    }
    // A gated /v1 read on B, cached there; a change on A; B answers the change.
    let token = a.sandbox_handle(&sb).app_token().await.unwrap();
    let (st, before) = b
        .sandbox_handle(&sb)
        .get_v1("/v1/profiles/legalbusiness", &token)
        .await
        .unwrap();
    assert_eq!(st, 200, "{before}");
    let (st, _) = call(&a, Method::DELETE, &path, None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(get(&b, &path).await.0, StatusCode::NOT_FOUND);
    let (st, after) = b
        .sandbox_handle(&sb)
        .get_v1("/v1/profiles/legalbusiness", &token)
        .await
        .unwrap();
    assert_eq!(st, 401, "a deleted sandbox's token still works on B: {after}");
}

#[tokio::test]
async fn a_token_from_one_replica_is_honoured_by_the_other_and_both_publish_one_key_set() {
    let Some((a, b)) = two_replicas().await else { return };
    let sb = a.create_sandbox(json!({"scenario": "default"})).await.unwrap();
    let tid = sb["tenants"][0]["id"].as_str().unwrap();
    let jwks = |s: &Server| {
        let url = format!("{}/{tid}/discovery/v2.0/keys", s.https_bound_uri());
        let client = s.client().clone();
        async move {
            let res = client.get(url).header("host", PUBLIC).send().await.unwrap();
            res.json::<Value>().await.unwrap()
        }
    };
    assert_eq!(
        jwks(&a).await,
        jwks(&b).await,
        "one key set, though each started with its own key"
    );
    let token = a.sandbox_handle(&sb).app_token().await.unwrap();
    let (st, body) = b
        .sandbox_handle(&sb)
        .get_v1("/v1/profiles/legalbusiness", &token)
        .await
        .unwrap();
    assert_eq!(st, 200, "{body}");
    // B's HTTPS certificate chains to the CA A's client trusts: one CA, kept in the database.
    let res = a
        .client()
        .get(format!("{}/healthz", b.https_bound_uri()))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
}

#[tokio::test]
async fn wrong_passwords_spread_over_two_replicas_lock_the_account() {
    let Some((a, b)) = two_replicas().await else { return };
    let sb = a.create_sandbox(serde_json::from_str(USERS).unwrap()).await.unwrap();
    for i in 0..9 {
        let on = if i % 2 == 0 { &a } else { &b };
        assert_entra(
            &ropc(on, &sb, "plain@idp.onmicrosoft.com", "wrong").await,
            400,
            "invalid_grant",
            50126,
        );
    }
    assert_entra(
        &ropc(&b, &sb, "plain@idp.onmicrosoft.com", "wrong").await,
        400,
        "invalid_grant",
        50053,
    );
    // Locked on both.
    for on in [&a, &b] {
        assert_entra(
            &ropc(on, &sb, "plain@idp.onmicrosoft.com", "Plain-Password-1").await,
            400,
            "invalid_grant",
            50053,
        );
    }
}

#[tokio::test]
async fn a_refresh_token_redeemed_on_two_replicas_at_once_is_redeemed_once() {
    let Some((a, b)) = two_replicas().await else { return };
    let sb = a.create_sandbox(serde_json::from_str(USERS).unwrap()).await.unwrap();
    let (st, t) = ropc(&a, &sb, "plain@idp.onmicrosoft.com", "Plain-Password-1").await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let refresh = t["refresh_token"].as_str().unwrap().to_owned();
    let tid = sb["tenants"][0]["id"].as_str().unwrap();
    let redeem = |s: &Server| {
        let req = s
            .client()
            .post(format!("{}/{tid}/oauth2/v2.0/token", s.https_bound_uri()))
            .header("host", PUBLIC)
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", sb["apps"][0]["clientId"].as_str().unwrap()),
                ("refresh_token", refresh.as_str()),
                ("scope", &format!("{PC} offline_access")),
            ]);
        async move { req.send().await.unwrap().status() }
    };
    let (ra, rb) = tokio::join!(redeem(&a), redeem(&b));
    let wins = [ra, rb].iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(wins, 1, "A answered {ra}, B answered {rb}");
}

#[tokio::test]
async fn a_replica_whose_database_goes_away_answers_503_and_recovers_by_itself() {
    use sqlx::Connection;
    let Some((base, url)) = fresh_database().await else {
        return;
    };
    let name = url.rsplit('/').next().unwrap().to_owned();
    let server = servers_on(&url, 1, |_| {}).await.remove(0);
    let sb = server.create_sandbox(json!({"scenario": "default"})).await.unwrap();
    let path = format!("/sandbox/v1/sandboxes/{}", sid(&sb));
    let token = server.sandbox_handle(&sb).app_token().await.unwrap();
    assert_eq!(get(&server, "/readyz").await.0, StatusCode::OK);

    // The database refuses connections and drops the ones it had.
    let mut admin = sqlx::postgres::PgConnection::connect(&base).await.unwrap();
    let cut = |allow: bool| sqlx::AssertSqlSafe(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {allow}"));
    sqlx::query(cut(false)).execute(&mut admin).await.unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&name)
        .execute(&mut admin)
        .await
        .unwrap();
    let (st, ready) = get(&server, "/readyz").await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    let (st, problem) = get(&server, &path).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert_eq!(problem["code"], "Unavailable");
    let (st, _) = post(&server, &format!("{path}/clock"), json!({"advance": "PT1H"})).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    let (st, body) = server
        .sandbox_handle(&sb)
        .get_v1("/v1/profiles/legalbusiness", &token)
        .await
        .unwrap();
    assert!(st == 200 || st == 503, "never a 500: {st} {body}");

    // Back: the replica recovers without a restart.
    sqlx::query(cut(true)).execute(&mut admin).await.unwrap();
    let mut ready = false;
    for _ in 0..50 {
        if get(&server, "/readyz").await.0 == StatusCode::OK {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(ready, "the replica did not become ready again");
    let (st, moved) = post(&server, &format!("{path}/clock"), json!({"advance": "PT1H"})).await;
    assert_eq!(st, StatusCode::OK, "{moved}");
}

#[tokio::test]
async fn a_webhook_delivery_its_sender_abandoned_is_finished_by_exactly_one_replica() {
    use sqlx::Connection;
    let Some((_, url)) = fresh_database().await else {
        return;
    };
    let replicas = servers_on(&url, 2, |s| {
        s.delivery_lease = std::time::Duration::from_millis(600);
    })
    .await;
    let a = &replicas[0];
    let sb = a.scenario("default").await.unwrap();
    let token = sb
        .user_token("admin@contosojp.onmicrosoft.com", testkit::Mfa::Yes)
        .await
        .unwrap();
    let (hook, mut rx) = crate::orders::receiver(200).await;
    let reg = json!({"WebhookUrl": hook, "WebhookEvents": ["test-created"]});
    let (st, r) = sb
        .v1(Method::POST, "/webhooks/v1/registration", &token, Some(reg))
        .await
        .unwrap();
    assert_eq!(st, 200, "{r}");
    let (st, _) = sb
        .v1(Method::POST, "/webhooks/v1/registration/validationEvents", &token, None)
        .await
        .unwrap();
    assert!((200..300).contains(&st));
    crate::orders::next_event(&mut rx).await;

    // A replica died mid-delivery: its delivery is still to be sent, and its lease ran out.
    let mut db = sqlx::postgres::PgConnection::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, sandbox_id, seq, tenant_id, data, lease_until_ms) \
         SELECT 'abandoned', sandbox_id, seq + 1, tenant_id, \
                (data::jsonb || '{\"id\": \"abandoned\", \"status\": \"pending\", \"attempts\": []}')::text, 0 \
         FROM webhook_deliveries LIMIT 1",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let (_, event, _) = crate::orders::next_event(&mut rx).await;
    assert_eq!(event["EventName"], "test-created", "{event}");
    // Both replicas look for abandoned work several times over: nobody sends it again.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert!(rx.try_recv().is_err(), "the abandoned delivery was sent twice");
    let (data, lease): (String, Option<i64>) =
        sqlx::query_as("SELECT data, lease_until_ms FROM webhook_deliveries WHERE id = 'abandoned'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert!(data.contains(r#""status":"delivered""#), "{data}");
    assert_eq!(lease, None, "a finished delivery holds no lease");
}

#[tokio::test]
async fn a_console_session_started_on_one_replica_continues_on_the_other() {
    let Some((_, url)) = fresh_database().await else {
        return;
    };
    let replicas = servers_on(&url, 2, |s| {
        s.admin_key = Some("team-console-key".into());
    })
    .await;
    let mut on_a = crate::portal::Browser::new(&replicas[0]);
    let signed_in = on_a.post("/console/login", &[("key", "team-console-key")]).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let mut on_b = on_a.moved_to(&replicas[1]);
    let home = on_b.open("/console").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.html);
    assert!(home.html.contains("Create a sandbox"));
    // A form (its CSRF token made on B) posted to A: one key signs for both.
    let created = on_b.open("/console").await;
    let csrf = crate::portal::Browser::csrf(&created);
    let mut back_on_a = on_b.moved_to(&replicas[0]);
    let made = back_on_a
        .post(
            "/console/sandboxes",
            &[("csrf", &csrf), ("name", "made-across"), ("scenario", "default")],
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.html);
    assert!(made.html.contains("Sandbox created"), "{}", made.html);
}

/// A replica process, killed when dropped (a failing test leaves none behind).
struct Replica(std::process::Child);

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A replica as an operator runs it: `pcsandbox serve` of this build in its own process, on the
/// database `url`. Returns the process and its HTTP base URL.
fn replica_process(url: &str) -> (Replica, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pcsandbox"))
        .args([
            "serve",
            "--database",
            url,
            "--bind",
            "127.0.0.1:0",
            "--https-bind",
            "127.0.0.1:0",
        ])
        .args(["--no-default-sandbox"])
        .env_remove("PCSANDBOX_ADMIN_KEY")
        .env_remove("PCSANDBOX_DATABASE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary runs");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(urls) = line.strip_prefix("pcsandbox ready ") {
                let _ = tx.send(urls.split_whitespace().next().unwrap_or_default().to_owned());
            }
        }
    });
    let child = Replica(child);
    let base = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the replica said it was ready");
    (child, base)
}

/// Every sandbox name a replica lists, page after page.
async fn names_on(client: &reqwest::Client, base: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut next: Option<String> = None;
    loop {
        let mut url = format!("{base}/sandbox/v1/sandboxes?limit=500");
        if let Some(t) = &next {
            url.push_str(&format!("&continuationToken={t}"));
        }
        let page: Value = client.get(url).send().await.unwrap().json().await.unwrap();
        for s in page["items"].as_array().unwrap() {
            names.insert(s["name"].as_str().unwrap().to_owned());
        }
        match page["continuationToken"].as_str() {
            Some(t) => next = Some(t.to_owned()),
            None => return names,
        }
    }
}

#[tokio::test]
async fn a_replica_killed_under_load_loses_no_acknowledged_write_and_agrees_when_back() {
    let Some((_, url)) = fresh_database().await else {
        return;
    };
    let (mut a, at_a) = replica_process(&url);
    let (_b, at_b) = replica_process(&url);
    let client = reqwest::Client::new();
    // Writers on both replicas; A is killed (SIGKILL) while they run.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for (w, target) in [(0, &at_a), (1, &at_b), (2, &at_a), (3, &at_b)] {
        let (client, target, acked, stop) = (client.clone(), target.clone(), acknowledged.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let name = format!("w{w}-{i}");
                let res = client
                    .post(format!("{target}/sandbox/v1/sandboxes"))
                    .json(&json!({"name": name, "scenario": "empty"}))
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == StatusCode::CREATED => acked.lock().unwrap().push(name),
                    Ok(r) => assert!(
                        r.status().is_server_error() || r.status() == StatusCode::CONFLICT,
                        "{}",
                        r.status()
                    ),
                    // The killed replica refuses connections: not acknowledged, try again later.
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
                }
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    a.0.kill().unwrap();
    a.0.wait().unwrap();
    let killed_at = acknowledged.lock().unwrap().len();
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let acked: std::collections::BTreeSet<String> = acknowledged.lock().unwrap().iter().cloned().collect();
    assert!(
        killed_at > 0 && acked.len() > killed_at,
        "writes before ({killed_at}) and after ({}) the kill",
        acked.len()
    );
    // B kept serving, and holds every write any replica acknowledged.
    let on_b = names_on(&client, &at_b).await;
    let lost: Vec<_> = acked.difference(&on_b).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // A restarts on the same database and agrees with B.
    let (_again, at_a2) = replica_process(&url);
    assert_eq!(names_on(&client, &at_a2).await, on_b);
}
