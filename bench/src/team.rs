//! The team server's figures: the MFA-gated GET and sandbox creation on a SQLite file, on
//! PostgreSQL with one replica, and with two replicas behind HAProxy. Every `pcsandbox serve` is
//! the release binary pinned to core 0 and wrk is pinned to core 1, as in `pinned`; PostgreSQL
//! (and HAProxy) cannot have a core of their own on a two-core machine, so they share both: the
//! PostgreSQL figures carry its work on the load generator's core too, and two replicas on one
//! core can show that they serve as one server, not that they scale.

use std::path::PathBuf;
use std::process::Stdio;

use anyhow::Context;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

use crate::pinned::{median, pinned, start, wrk, Wrk};
use crate::Row;

const ROUNDS: usize = 2;
const SECONDS: u64 = 5;

/// A PostgreSQL cluster of tests/postgres/cluster.sh, stopped on drop.
struct Cluster {
    script: PathBuf,
    dir: String,
    url: String,
}

impl Cluster {
    fn start() -> anyhow::Result<Self> {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/postgres/cluster.sh");
        let out = std::process::Command::new(&script)
            .args(["start", "--bench"])
            .stderr(Stdio::inherit())
            .output()
            .context("tests/postgres/cluster.sh")?;
        anyhow::ensure!(out.status.success(), "the PostgreSQL cluster did not start");
        let text = String::from_utf8_lossy(&out.stdout);
        let var = |name: &str| {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(&format!("{name}=")).map(str::to_owned))
                .with_context(|| format!("cluster.sh printed no {name}"))
        };
        Ok(Cluster {
            url: var("PCSANDBOX_TEST_DATABASE")?,
            dir: var("PCSANDBOX_TEST_CLUSTER")?,
            script,
        })
    }

    /// A fresh database of the cluster.
    fn database(&self, name: &str) -> anyhow::Result<String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")?
            .flatten()
            .map(|e| e.path().join("bin/psql"))
            .find(|p| p.exists())
            .context("psql is missing")?;
        let status = std::process::Command::new(bin)
            .args(["-q", "-d", &self.url, "-c", &format!("CREATE DATABASE {name}")])
            .status()?;
        anyhow::ensure!(status.success(), "CREATE DATABASE {name}");
        let base = self.url.rsplit_once('/').map_or(self.url.as_str(), |(b, _)| b);
        Ok(format!("{base}/{name}"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new(&self.script)
            .args(["stop", &self.dir])
            .status();
    }
}

/// HAProxy from Debian's package, installed with apt when we may.
fn ensure_haproxy() -> bool {
    let has = || std::process::Command::new("haproxy").arg("-v").output().is_ok();
    if has() {
        return true;
    }
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        eprintln!("installing haproxy with apt-get...");
        for args in [&["update", "-qq"][..], &["install", "-y", "-qq", "haproxy"][..]] {
            let _ = std::process::Command::new("apt-get").args(args).status();
        }
    }
    has()
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `pcsandbox serve` on `database`, pinned to core 0; its base URL.
async fn replica(server: &std::path::Path, database: &str, public: Option<&str>) -> anyhow::Result<(Child, String)> {
    // The port is chosen here: with --public-url the ready line names the public URL first.
    let port = free_port()?;
    let mut cmd = pinned(0, server);
    cmd.args(["serve", "--database", database, "--https-bind", "127.0.0.1:0", "--bind"])
        .arg(format!("127.0.0.1:{port}"));
    if let Some(p) = public {
        cmd.args(["--public-url", p]);
    }
    let (child, _) = start(cmd, "pcsandbox ready").await?;
    Ok((child, format!("http://127.0.0.1:{port}")))
}

/// HAProxy round robin over `backends` on `port`, pinned to core 0 with the replicas.
async fn balancer(port: u16, backends: &[String], dir: &std::path::Path) -> anyhow::Result<Child> {
    let servers: String = backends
        .iter()
        .enumerate()
        .map(|(i, b)| format!("    server r{i} {}\n", b.trim_start_matches("http://")))
        .collect();
    let cfg = format!(
        "global\n    maxconn 4096\ndefaults\n    mode http\n    timeout connect 5s\n    timeout client 60s\n    \
         timeout server 60s\nfrontend f\n    bind 127.0.0.1:{port}\n    default_backend b\nbackend b\n    \
         balance roundrobin\n{servers}"
    );
    let file = dir.join("haproxy.cfg");
    std::fs::write(&file, cfg)?;
    let child = Command::new("taskset")
        .args(["-c", "0", "haproxy", "-db", "-f"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("haproxy")?;
    for _ in 0..100 {
        if reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return Ok(child);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    anyhow::bail!("haproxy did not answer")
}

/// The gated GET (rate, p99) and sandbox creation (rate) through `front`.
async fn measure(front: &str, dir: &std::path::Path) -> anyhow::Result<(f64, f64, f64)> {
    let http = reqwest::Client::new();
    let sb: Value = http
        .get(format!("{front}/sandbox/v1/sandboxes/default"))
        .send()
        .await?
        .json()
        .await?;
    let minted: Value = http
        .post(format!("{front}/sandbox/v1/sandboxes/default/tokens"))
        .json(&json!({"clientId": sb["apps"][0]["clientId"], "userId": sb["tenants"][0]["users"][0]["id"], "mfa": true, "expiresIn": 86_400}))
        .send()
        .await?
        .json()
        .await?;
    let token = minted["access_token"].as_str().context("no token")?;
    let gated = format!("{front}/v1/profiles/legalbusiness");
    let auth = vec!["-H".to_owned(), format!("authorization: Bearer {token}")];
    eprintln!("  gated GET on {front}");
    let mut g: Vec<Wrk> = Vec::new();
    for _ in 0..ROUNDS {
        g.push(wrk(&gated, SECONDS, &auth).await?);
    }
    anyhow::ensure!(g.iter().all(|w| w.errors == 0), "the gated GET answered errors: {g:?}");
    eprintln!("  sandbox creation");
    let script = dir.join("create.lua");
    std::fs::write(
        &script,
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = '{\"scenario\": \"empty\"}'\n",
    )?;
    let created = crate::pinned::wrk_with(
        &format!("{front}/sandbox/v1/sandboxes"),
        SECONDS,
        8,
        &["-s".to_owned(), script.display().to_string()],
    )
    .await?;
    anyhow::ensure!(created.errors == 0, "sandbox creation answered errors: {created:?}");
    Ok((
        median(g.iter().map(|w| w.rate).collect()),
        median(g.iter().map(|w| w.p99_ms).collect()),
        created.rate,
    ))
}

pub async fn run(rows: &mut Vec<Row>) -> anyhow::Result<()> {
    crate::pinned::ensure_wrk()?;
    let server = crate::pinned::sibling("pcsandbox")?;
    let dir = std::env::temp_dir().join(format!("pcsandbox-bench-team-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;

    eprintln!("team: SQLite file");
    let file = dir.join("pcsandbox.db");
    let (sqlite, base) = replica(&server, &file.display().to_string(), None).await?;
    let (sq_rate, sq_p99, sq_create) = measure(&base, &dir).await?;
    drop(sqlite);
    rows.push(Row {
        what: "SQLite file: gated GET / sandbox creation (pinned)".into(),
        value: format!("{sq_rate:.0} /s"),
        note: format!(
            "p99 {sq_p99:.2} ms; creation (empty scenario, 8 clients) {sq_create:.0} /s; WAL, synchronous=NORMAL"
        ),
    });

    eprintln!("team: PostgreSQL, one replica");
    let cluster = Cluster::start()?;
    let one = cluster.database("bench_one")?;
    let (pg, base) = replica(&server, &one, None).await?;
    let (pg_rate, pg_p99, pg_create) = measure(&base, &dir).await?;
    drop(pg);
    rows.push(Row {
        what: "PostgreSQL, one replica: gated GET / sandbox creation".into(),
        value: format!("{pg_rate:.0} /s"),
        note: format!(
            "{:.2}x SQLite (target >= 0.8x: {}), p99 {pg_p99:.2} ms; creation {pg_create:.0} /s = {:.2}x SQLite's time (target <= 3x: {}); PostgreSQL unpinned, synchronous_commit=off",
            pg_rate / sq_rate,
            crate::pinned::verdict(pg_rate / sq_rate >= 0.8),
            sq_create / pg_create,
            crate::pinned::verdict(sq_create / pg_create <= 3.0),
        ),
    });

    if ensure_haproxy() {
        eprintln!("team: PostgreSQL, two replicas behind HAProxy");
        let two = cluster.database("bench_two")?;
        let port = free_port()?;
        // The replicas' shared authority (tokens name it as issuer, so it must be the same on
        // both); the load goes through the balancer over plain HTTP.
        let public = format!("https://127.0.0.1:{port}");
        let (a, base_a) = replica(&server, &two, Some(&public)).await?;
        let (b, base_b) = replica(&server, &two, Some(&public)).await?;
        let lb = balancer(port, &[base_a, base_b], &dir).await?;
        let (two_rate, two_p99, two_create) = measure(&format!("http://127.0.0.1:{port}"), &dir).await?;
        drop((lb, a, b));
        rows.push(Row {
            what: "PostgreSQL, two replicas behind HAProxy (all on core 0)".into(),
            value: format!("{two_rate:.0} /s"),
            note: format!(
                "p99 {two_p99:.2} ms; creation {two_create:.0} /s; one core for both replicas and the balancer: shows they serve as one, not scaling"
            ),
        });
    } else {
        eprintln!("skipping two replicas: haproxy is not installed");
    }
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
