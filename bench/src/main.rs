//! pcsandbox benchmark: prints a table of throughput and latency figures measured in one run on
//! this machine. Targets live here, never in timed unit tests.
//!
//! Run: `cargo build --release && cargo run --release -p pcsandbox-bench` (see README).

mod pinned;
mod team;

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
        core.create_sandbox(Default::default()).await?;
    }
    let mut lat = Vec::with_capacity(total);
    for _ in 0..total {
        let t = Instant::now();
        core.create_sandbox(Default::default()).await?;
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

/// Sandbox creation from an inline scenario of 10,000 users (the scenario limit), server time.
async fn big_sandbox(rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let server = api::Server::build(api::Settings::for_tests()).await?;
    let core = server.state().core.clone();
    let users: Vec<serde_json::Value> = (0..10_000).map(|_| json!({})).collect();
    let spec: domain::scenario::ScenarioSpec =
        serde_json::from_value(json!({"tenants": [{"displayName": "Big", "users": users}]}))?;
    let source = || {
        Some(pcsandbox_core::sandboxes::ScenarioSource::Inline(Box::new(
            spec.clone(),
        )))
    };
    core.create_sandbox(pcsandbox_core::sandboxes::NewSandbox {
        source: source(),
        ..Default::default()
    })
    .await?;
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        core.create_sandbox(pcsandbox_core::sandboxes::NewSandbox {
            source: source(),
            ..Default::default()
        })
        .await?;
        times.push(t.elapsed());
    }
    times.sort();
    rows.push(Row {
        what: "sandbox creation with 10,000 users (the scenario limit), server time".into(),
        value: ms(times[1]),
        note: format!(
            "median of 3; {:.1} us per user: linear in its size",
            times[1].as_secs_f64() * 1e6 / 10_000.0
        ),
    });
    Ok(())
}

/// One runtime thread when the process has one core (as the server does), else all of them.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    Ok(if cores == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    } else {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()?
    })
}

fn main() -> anyhow::Result<()> {
    runtime()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("bare") {
        let file = args.get(1).context("usage: pcsandbox-bench bare BODY_FILE")?;
        return pinned::bare(std::path::Path::new(file)).await;
    }
    // `pcsandbox-bench [pinned|team|healthy|sandboxes]...` runs only the named groups.
    let run = |name: &str| args.is_empty() || args.iter().any(|o| o == name);
    let mut rows = Vec::new();
    if run("pinned") {
        if pinned::can_pin() {
            pinned::run(&mut rows).await?;
        } else {
            eprintln!("skipping the pinned figures: they need two cores and taskset");
        }
    }
    if run("team") {
        if pinned::can_pin() {
            team::run(&mut rows).await?;
        } else {
            eprintln!("skipping the team server figures: they need two cores and taskset");
        }
    }
    if run("healthy") {
        pinned::time_to_healthy(&mut rows, 7).await?;
    }
    if run("sandboxes") {
        sandbox_creation_core(&mut rows, 2000).await?;
        sandbox_creation_http(&mut rows, 4000, 8).await?;
        big_sandbox(&mut rows).await?;
    }

    let w = rows.iter().map(|r| r.what.len()).max().unwrap_or(10);
    println!("| {:<w$} | {:>10} | notes |", "measure", "value");
    println!("|{}|{}|{}|", "-".repeat(w + 2), "-".repeat(12), "-".repeat(50));
    for r in &rows {
        println!("| {:<w$} | {:>10} | {} |", r.what, r.value, r.note);
    }
    Ok(())
}
