//! The figures a user would see: the release binary under `pcsandbox serve` with its default
//! logging, pinned to core 0; wrk pinned to core 1, 64 connections; beside a bare axum server
//! (this binary's `bare` command) answering the same bytes on the same core, and OpenSSL's RSA
//! signing rate on that core, measured in the same run.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::Row;

/// Where the release binaries are: beside this one.
pub(crate) fn sibling(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?.with_file_name(name);
    anyhow::ensure!(
        exe.exists(),
        "{} is missing: run `cargo build --release` first",
        exe.display()
    );
    Ok(exe)
}

/// Makes sure wrk is there, installing it with apt when we may.
pub fn ensure_wrk() -> anyhow::Result<()> {
    let has = |cmd: &str| std::process::Command::new(cmd).arg("--version").output().is_ok();
    if has("wrk") {
        return Ok(());
    }
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    anyhow::ensure!(root, "wrk is missing: install it (apt-get install wrk) and run again");
    eprintln!("installing wrk with apt-get...");
    for args in [&["update", "-qq"][..], &["install", "-y", "-qq", "wrk"][..]] {
        std::process::Command::new("apt-get").args(args).status()?;
    }
    anyhow::ensure!(has("wrk"), "wrk could not be installed");
    Ok(())
}

/// Whether this machine has the two cores to pin server and load generator apart.
pub fn can_pin() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
        && std::process::Command::new("taskset").arg("-V").output().is_ok()
}

pub(crate) fn pinned(core: u8, program: &Path) -> Command {
    let mut c = Command::new("taskset");
    c.arg("-c").arg(core.to_string()).arg(program);
    c
}

/// Starts a command and waits for the stdout line starting with `marker`; returns the child and
/// the rest of that line.
pub(crate) async fn start(mut cmd: Command, marker: &str) -> anyhow::Result<(Child, String)> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("spawn")?;
    let out = child.stdout.take().context("stdout")?;
    let mut lines = BufReader::new(out).lines();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await {
            Ok(Ok(Some(line))) if line.starts_with(marker) => {
                // Keep draining stdout so the child never blocks on a full pipe.
                tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
                return Ok((child, line[marker.len()..].trim().to_owned()));
            }
            Ok(Ok(Some(_))) => {}
            _ => break,
        }
    }
    anyhow::bail!("the process never printed '{marker}'")
}

/// The server's resident memory, in MB.
fn rss_mb(child: &Child) -> Option<f64> {
    let pid = child.id()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// One wrk run's figures.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wrk {
    pub(crate) rate: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) requests: u64,
    pub(crate) errors: u64,
}

fn parse_ms(s: &str) -> f64 {
    let s = s.trim();
    if let Some(v) = s.strip_suffix("us") {
        v.parse::<f64>().unwrap_or(f64::NAN) / 1000.0
    } else if let Some(v) = s.strip_suffix("ms") {
        v.parse().unwrap_or(f64::NAN)
    } else if let Some(v) = s.strip_suffix('s') {
        v.parse::<f64>().unwrap_or(f64::NAN) * 1000.0
    } else {
        f64::NAN
    }
}

pub(crate) async fn wrk(url: &str, seconds: u64, extra: &[String]) -> anyhow::Result<Wrk> {
    wrk_with(url, seconds, 64, extra).await
}

/// wrk on core 1 with `connections` connections.
pub(crate) async fn wrk_with(url: &str, seconds: u64, connections: u32, extra: &[String]) -> anyhow::Result<Wrk> {
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", "1", "wrk", "-t1", "--latency"])
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .args(extra)
        .arg(url);
    let out = cmd.output().await.context("wrk")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .map(|l| l.trim_start()[prefix.len()..].trim().to_owned())
    };
    let rate = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .context("wrk printed no rate")?;
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let errors = field("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Ok(Wrk {
        rate,
        p50_ms: field("50%").map_or(f64::NAN, |v| parse_ms(&v)),
        p99_ms: field("99%").map_or(f64::NAN, |v| parse_ms(&v)),
        requests,
        errors,
    })
}

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// OpenSSL's RSA-2048 signatures per second on core 0.
async fn openssl_rsa_signs() -> anyhow::Result<f64> {
    let out = Command::new("taskset")
        .args(["-c", "0", "openssl", "speed", "-seconds", "5", "rsa2048"])
        .output()
        .await
        .context("openssl speed")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("rsa 2048 bits") || l.starts_with("rsa  2048 bits"))
        .and_then(|l| l.split_whitespace().nth(5))
        .and_then(|v| v.parse().ok())
        .context("openssl speed printed no rsa 2048 line")
}

struct Sandbox {
    base: String,
    tenant: String,
    app: String,
    secret: String,
    token: String,
}

async fn default_sandbox(base: &str) -> anyhow::Result<Sandbox> {
    let http = reqwest::Client::new();
    let sb: Value = http
        .get(format!("{base}/sandbox/v1/sandboxes/default"))
        .send()
        .await?
        .json()
        .await?;
    let app = &sb["apps"][0];
    let minted: Value = http
        .post(format!("{base}/sandbox/v1/sandboxes/default/tokens"))
        .json(&json!({"clientId": app["clientId"], "userId": sb["tenants"][0]["users"][0]["id"], "mfa": true, "expiresIn": 86_400}))
        .send()
        .await?
        .json()
        .await?;
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    Ok(Sandbox {
        base: base.to_owned(),
        tenant: s(&sb["tenants"][0]["id"]),
        app: s(&app["clientId"]),
        secret: s(&app["clientSecret"]),
        token: s(&minted["access_token"]),
    })
}

/// Rounds of each measure alternate, so that a noisy neighbour slows both alike; the figures
/// are the medians of the rounds.
const ROUNDS: usize = 3;
const SECONDS: u64 = 6;

pub async fn run(rows: &mut Vec<Row>) -> anyhow::Result<()> {
    ensure_wrk()?;
    let server_bin = sibling("pcsandbox")?;
    let bench_bin = std::env::current_exe()?;
    let dir = std::env::temp_dir().join(format!("pcsandbox-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;

    let signs = openssl_rsa_signs().await?;
    let mut serve = pinned(0, &server_bin);
    serve.args([
        "serve",
        "--ephemeral",
        "--bind",
        "127.0.0.1:0",
        "--https-bind",
        "127.0.0.1:0",
    ]);
    let (server, ready) = start(serve, "pcsandbox ready").await?;
    let base = ready.split_whitespace().next().context("no base URL")?.to_owned();
    let sb = default_sandbox(&base).await?;
    let idle_rss = rss_mb(&server);

    // The bare reference answers exactly the bytes the gated endpoint answers.
    let gated = format!("{}/v1/profiles/legalbusiness", sb.base);
    let body = reqwest::Client::new()
        .get(&gated)
        .bearer_auth(&sb.token)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let body_file = dir.join("body.json");
    std::fs::write(&body_file, &body)?;
    let mut bare_cmd = pinned(0, &bench_bin);
    bare_cmd.arg("bare").arg(&body_file);
    let (bare, bare_url) = start(bare_cmd, "bare ready").await?;
    let auth = vec!["-H".to_owned(), format!("authorization: Bearer {}", sb.token)];

    let (mut b, mut g) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        b.push(wrk(&bare_url, SECONDS, &[]).await?);
        g.push(wrk(&gated, SECONDS, &auth).await?);
    }
    anyhow::ensure!(g.iter().all(|w| w.errors == 0), "the gated GET answered errors: {g:?}");
    let loaded_rss = rss_mb(&server);
    let bare_rate = median(b.iter().map(|w| w.rate).collect());
    let gated_rate = median(g.iter().map(|w| w.rate).collect());
    let gated_p99 = median(g.iter().map(|w| w.p99_ms).collect());
    let ratio = gated_rate / bare_rate;
    rows.push(Row {
        what: "bare axum handler, same body (pinned, wrk 64 connections)".into(),
        value: format!("{bare_rate:.0} /s"),
        note: format!(
            "reference; p50 {:.2} ms, p99 {:.2} ms (median of {ROUNDS} rounds of {SECONDS} s)",
            median(b.iter().map(|w| w.p50_ms).collect()),
            median(b.iter().map(|w| w.p99_ms).collect())
        ),
    });
    let journaled: Value = reqwest::Client::new()
        .get(format!("{}/sandbox/v1/sandboxes/default/requests?limit=10000", sb.base))
        .send()
        .await?
        .json()
        .await?;
    let journaled = journaled["items"].as_array().map_or(0, Vec::len);
    let total: u64 = g.iter().map(|w| w.requests).sum();
    anyhow::ensure!(
        journaled == 10_000,
        "the journal holds {journaled} of {total} gated requests"
    );
    rows.push(Row {
        what: "MFA-gated GET /v1/profiles/legalbusiness (pcsandbox serve, pinned)".into(),
        value: format!("{gated_rate:.0} /s"),
        note: format!(
            "{ratio:.2}x bare axum, p50 {:.2} ms, p99 {gated_p99:.2} ms (targets: >= 0.5x, p99 < 2 ms: {}); every request journaled",
            median(g.iter().map(|w| w.p50_ms).collect()),
            verdict(ratio >= 0.5 && gated_p99 < 2.0)
        ),
    });
    drop(bare);

    // Tokens: client_credentials over plain HTTP against the one-core RSA signing rate.
    let script = dir.join("token.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\nwrk.body = \"grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fapi.partnercenter.microsoft.com%2F.default\"\n",
            sb.app,
            pct(&sb.secret)
        ),
    )?;
    let token_url = format!("{}/{}/oauth2/v2.0/token", sb.base, sb.tenant);
    let mut t = Vec::new();
    for _ in 0..ROUNDS {
        t.push(wrk(&token_url, SECONDS, &["-s".to_owned(), script.display().to_string()]).await?);
    }
    anyhow::ensure!(
        t.iter().all(|w| w.errors == 0),
        "the token endpoint answered errors: {t:?}"
    );
    let token_rate = median(t.iter().map(|w| w.rate).collect());
    let token_ratio = token_rate / signs;
    rows.push(Row {
        what: "`openssl speed rsa2048`, signatures on the server's core".into(),
        value: format!("{signs:.0} /s"),
        note: "the ceiling for token issuance on one core".into(),
    });
    rows.push(Row {
        what: "client_credentials tokens (pinned, wrk 64 connections)".into(),
        value: format!("{token_rate:.0} /s"),
        note: format!(
            "{token_ratio:.2}x OpenSSL's signing rate (target: >= 0.9x: {}); p50 {:.2} ms, p99 {:.2} ms",
            verdict(token_ratio >= 0.9),
            median(t.iter().map(|w| w.p50_ms).collect()),
            median(t.iter().map(|w| w.p99_ms).collect())
        ),
    });
    let after_rss = rss_mb(&server);
    rows.push(Row {
        what: "server memory (RSS): idle / after gated load / after tokens".into(),
        value: format!("{:.0} MB", idle_rss.unwrap_or(f64::NAN)),
        note: format!(
            "{:.0} MB / {:.0} MB (target: idle under 30 MB: {})",
            loaded_rss.unwrap_or(f64::NAN),
            after_rss.unwrap_or(f64::NAN),
            verdict(idle_rss.is_some_and(|m| m < 30.0))
        ),
    });
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

pub(crate) fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Spawns `pcsandbox serve --ephemeral` (with the default sandbox) and measures the time until
/// `/healthz` first answers 200.
pub async fn time_to_healthy(rows: &mut Vec<Row>, runs: usize) -> anyhow::Result<()> {
    let exe = sibling("pcsandbox")?;
    let client = reqwest::Client::new();
    let mut times = Vec::new();
    for _ in 0..runs {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let https = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let started = Instant::now();
        let mut child = Command::new(&exe)
            .args(["serve", "--ephemeral", "--bind", &format!("127.0.0.1:{port}")])
            .args(["--https-bind", &format!("127.0.0.1:{https}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
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
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        child.kill().await?;
    }
    let med = median(times.clone());
    rows.push(Row {
        what: "spawn to first healthy /healthz (--ephemeral, default sandbox)".into(),
        value: format!("{med:.0} ms"),
        note: format!(
            "median of {runs}, max {:.0} ms (target: under 100 ms: {})",
            times.iter().copied().fold(0.0, f64::max),
            verdict(med < 100.0)
        ),
    });
    Ok(())
}

/// `pcsandbox-bench bare BODY_FILE`: axum with one route answering the file's bytes, as the
/// reference; prints `bare ready URL`.
pub async fn bare(body_file: &Path) -> anyhow::Result<()> {
    let body = bytes_of(body_file)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("bare ready http://{}/v1/profiles/legalbusiness", listener.local_addr()?);
    let app = axum::Router::new().route(
        "/v1/profiles/legalbusiness",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json; charset=utf-8")], body) }
        }),
    );
    axum::serve(listener, app).await?;
    Ok(())
}

fn bytes_of(p: &Path) -> anyhow::Result<axum::body::Bytes> {
    Ok(axum::body::Bytes::from(std::fs::read(p)?))
}
