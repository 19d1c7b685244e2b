//! pcsandbox benchmark: prints a table of throughput and latency figures measured in one run on
//! this machine. Targets live here, never in timed unit tests.
//!
//! Run: `cargo build --release && cargo run --release -p pcsandbox-bench` (see README).

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;

struct Row {
    what: String,
    value: String,
    note: String,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// After 50 warm-up requests, sends `total` requests from `concurrency` clients, each expecting
/// `expect`; returns the sorted latencies and the rate per second.
async fn load<F>(total: usize, concurrency: usize, expect: u16, make: F) -> anyhow::Result<(Vec<Duration>, f64)>
where
    F: Fn(&reqwest::Client) -> reqwest::RequestBuilder + Clone + Send + Sync + 'static,
{
    let client = reqwest::Client::new();
    for _ in 0..50 {
        make(&client).send().await?.error_for_status()?;
    }
    let started = Instant::now();
    let per = total / concurrency;
    let mut handles = Vec::new();
    for _ in 0..concurrency {
        let (client, make) = (client.clone(), make.clone());
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for _ in 0..per {
                let t = Instant::now();
                let res = make(&client).send().await?;
                anyhow::ensure!(res.status() == expect, "status {}", res.status());
                let _ = res.bytes().await?;
                lat.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut lat = Vec::new();
    for h in handles {
        lat.extend(h.await??);
    }
    let rate = lat.len() as f64 / started.elapsed().as_secs_f64();
    lat.sort();
    Ok((lat, rate))
}

/// Sandbox creation through HTTP with `concurrency` clients.
async fn sandbox_creation_http(rows: &mut Vec<Row>, total: usize, concurrency: usize) -> anyhow::Result<()> {
    let server = api::Server::build(api::Settings::for_tests()).await?;
    let base = server.urls().http.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let url = format!("{base}/sandbox/v1/sandboxes");
    let (lat, rate) = load(total, concurrency, 201, move |c| c.post(&url).json(&json!({}))).await?;
    rows.push(Row {
        what: format!("sandbox creation over HTTP (default scenario, {concurrency} clients)"),
        value: format!("{rate:.0} /s"),
        note: format!("p50 {} p99 {}", ms(percentile(&lat, 0.5)), ms(percentile(&lat, 0.99))),
    });
    let _ = stop.send(());
    task.await??;
    Ok(())
}

/// Sandbox creation as server time only: the use-case called in-process, one at a time.
async fn sandbox_creation_core(rows: &mut Vec<Row>, total: usize) -> anyhow::Result<()> {
    let server = api::Server::build(api::Settings::for_tests()).await?;
    let core = server.state().core.clone();
    for _ in 0..50 {
        core.create_sandbox(None, None).await?;
    }
    let mut lat = Vec::with_capacity(total);
    for _ in 0..total {
        let t = Instant::now();
        core.create_sandbox(None, None).await?;
        lat.push(t.elapsed());
    }
    lat.sort();
    let mean = lat.iter().sum::<Duration>() / lat.len() as u32;
    rows.push(Row {
        what: "sandbox creation, server time (use-case in-process)".into(),
        value: ms(mean),
        note: format!(
            "p50 {} p99 {} (target: under 1 ms)",
            ms(percentile(&lat, 0.5)),
            ms(percentile(&lat, 0.99))
        ),
    });
    Ok(())
}

/// Spawns the release binary and measures the time until `/healthz` first answers 200.
async fn time_to_healthy(rows: &mut Vec<Row>, runs: usize) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?.with_file_name("pcsandbox");
    anyhow::ensure!(
        exe.exists(),
        "{} is missing: run `cargo build --release` first",
        exe.display()
    );
    let client = reqwest::Client::new();
    let mut times = Vec::new();
    for i in 0..runs {
        let port = 18_500 + i as u16;
        let started = Instant::now();
        let mut child = tokio::process::Command::new(&exe)
            .args(["serve", "--ephemeral", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("spawn {}", exe.display()))?;
        let url = format!("http://127.0.0.1:{port}/healthz");
        loop {
            if let Ok(r) = client.get(&url).send().await {
                if r.status() == 200 {
                    break;
                }
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(10),
                "server did not become healthy"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        times.push(started.elapsed());
        child.kill().await?;
    }
    times.sort();
    rows.push(Row {
        what: "time from spawn to first healthy /healthz (--ephemeral, default sandbox)".into(),
        value: ms(percentile(&times, 0.5)),
        note: format!("median of {runs}; max {}", ms(*times.last().unwrap_or(&Duration::ZERO))),
    });
    Ok(())
}

/// Raw RS256 signing of a Partner Center access token's claims, and client_credentials tokens
/// over HTTP with `concurrency` clients, in the same run so the ratio means something.
async fn tokens(rows: &mut Vec<Row>, total: usize, concurrency: usize) -> anyhow::Result<()> {
    let server = api::Server::build(api::Settings::for_tests()).await?;
    let core = server.state().core.clone();
    let claims = json!({"aud": "https://api.partnercenter.microsoft.com", "iss": "https://127.0.0.1/t/", "iat": 1, "nbf": 1,
        "exp": 3601, "appid": "00000000-0000-0000-0000-000000000000", "appidacr": "1", "idtyp": "app", "tid": "t", "ver": "1.0"});
    let keys = core.keys.get().await;
    let started = Instant::now();
    let n = 2000;
    for _ in 0..n {
        std::hint::black_box(keys.active().sign(&claims)?);
    }
    let sign_rate = n as f64 / started.elapsed().as_secs_f64();
    rows.push(Row {
        what: "raw RS256 signing (2048-bit, one core)".into(),
        value: format!("{sign_rate:.0} /s"),
        note: "the ceiling for token issuance per core".into(),
    });

    let sb = core.create_sandbox(None, None).await?;
    let tenant = sb.world.tenants[0].id;
    let app = &sb.world.apps[0];
    let secret = sb.secrets.get(&app.client_id.to_string()).cloned().unwrap_or_default();
    let base = server.urls().http.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let url = format!("{base}/{tenant}/oauth2/v2.0/token");
    let form = vec![
        ("grant_type".to_owned(), "client_credentials".to_owned()),
        ("client_id".to_owned(), app.client_id.to_string()),
        ("client_secret".to_owned(), secret),
        (
            "scope".to_owned(),
            "https://api.partnercenter.microsoft.com/.default".to_owned(),
        ),
    ];
    let (lat, rate) = load(total, concurrency, 200, move |c| c.post(&url).form(&form)).await?;
    rows.push(Row {
        what: format!("client_credentials tokens over HTTP ({concurrency} clients, 2 cores shared)"),
        value: format!("{rate:.0} /s"),
        note: format!(
            "{:.2}x the one-core signing rate; p50 {} p99 {}",
            rate / sign_rate,
            ms(percentile(&lat, 0.5)),
            ms(percentile(&lat, 0.99))
        ),
    });
    let _ = stop.send(());
    task.await??;
    Ok(())
}

/// An MFA-gated `GET /v1/profiles/legalbusiness` (token check, MFA gate, roles, one read,
/// journal) beside a bare axum handler that returns the same bytes, same load, same run.
async fn gated_get(rows: &mut Vec<Row>, total: usize, concurrency: usize) -> anyhow::Result<()> {
    let server = api::Server::build(api::Settings::for_tests()).await?;
    let core = server.state().core.clone();
    let sb = core.create_sandbox(None, None).await?;
    let admin = sb.world.users[0].id;
    let app = sb.world.apps[0].client_id;
    let minted = core
        .mint_token(
            sb.sandbox.id,
            pcsandbox_core::partner_center::policy::MintRequest {
                client_id: app,
                user_id: Some(admin),
                mfa: true,
                resource: None,
                expires_in: Some(86_400),
            },
            server.urls().authority(),
        )
        .await?;
    let token = minted
        .get("access_token")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let base = server.urls().http.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let url = format!("{base}/v1/profiles/legalbusiness");
    let body = reqwest::Client::new()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;

    // The reference: axum with one route answering the same body.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_url = format!("http://{}/v1/profiles/legalbusiness", listener.local_addr()?);
    let bare = axum::Router::new().route(
        "/v1/profiles/legalbusiness",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json; charset=utf-8")], body) }
        }),
    );
    let bare_task = tokio::spawn(async move { axum::serve(listener, bare).await });

    // Alternate short rounds of each so that a noisy neighbour slows both alike.
    let rounds = 8;
    let (mut bare_lat, mut lat) = (Vec::new(), Vec::new());
    let (mut bare_secs, mut secs) = (0.0, 0.0);
    for _ in 0..rounds {
        let bare_url = bare_url.clone();
        let (l, rate) = load(total / rounds, concurrency, 200, move |c| c.get(&bare_url)).await?;
        bare_secs += l.len() as f64 / rate;
        bare_lat.extend(l);
        let (gated_url, token) = (url.clone(), token.clone());
        let (l, rate) = load(total / rounds, concurrency, 200, move |c| {
            c.get(&gated_url).bearer_auth(&token)
        })
        .await?;
        secs += l.len() as f64 / rate;
        lat.extend(l);
    }
    bare_lat.sort();
    lat.sort();
    // Every gated request must have been journaled: the figure includes that work.
    core.journal.flush().await;
    let journaled = store::journal::count(&mut *core.store.conn().await?, sb.sandbox.id).await?;
    anyhow::ensure!(
        journaled >= lat.len(),
        "{journaled} journal entries for {} gated requests",
        lat.len()
    );
    let bare_rate = bare_lat.len() as f64 / bare_secs;
    let rate = lat.len() as f64 / secs;
    rows.push(Row {
        what: format!("bare axum handler, same body ({concurrency} clients, rounds alternated)"),
        value: format!("{bare_rate:.0} /s"),
        note: format!(
            "reference; p50 {} p99 {}",
            ms(percentile(&bare_lat, 0.5)),
            ms(percentile(&bare_lat, 0.99))
        ),
    });
    rows.push(Row {
        what: format!("MFA-gated GET /v1/profiles/legalbusiness ({concurrency} clients)"),
        value: format!("{rate:.0} /s"),
        note: format!(
            "{:.2}x bare axum (target: at least 0.5x); {journaled} journaled; p50 {} p99 {}",
            rate / bare_rate,
            ms(percentile(&lat, 0.5)),
            ms(percentile(&lat, 0.99))
        ),
    });
    bare_task.abort();
    let _ = stop.send(());
    task.await??;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `pcsandbox-bench [gated|tokens|sandboxes|healthy]...` runs only the named groups (for profiling).
    let only: Vec<String> = std::env::args().skip(1).collect();
    let run = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let mut rows = Vec::new();
    if run("gated") {
        gated_get(&mut rows, 40_000, 16).await?;
    }
    if run("tokens") {
        tokens(&mut rows, 4000, 8).await?;
    }
    if run("sandboxes") {
        sandbox_creation_core(&mut rows, 2000).await?;
        sandbox_creation_http(&mut rows, 4000, 8).await?;
    }
    if run("healthy") {
        time_to_healthy(&mut rows, 5).await?;
    }

    let w = rows.iter().map(|r| r.what.len()).max().unwrap_or(10);
    println!("| {:<w$} | {:>14} | notes |", "measure", "value");
    println!("|{}|{}|{}|", "-".repeat(w + 2), "-".repeat(16), "-".repeat(50));
    for r in &rows {
        println!("| {:<w$} | {:>14} | {} |", r.what, r.value, r.note);
    }
    Ok(())
}
