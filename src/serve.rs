//! `pcsandbox serve`: settings from flags, telemetry, build, print, run.

use std::io::Write;

use api::settings::Database;
use api::{Server, Settings};

use crate::cli::ServeArgs;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    init_tracing(&args.log_format);
    let settings = Settings {
        bind: args.bind,
        database: if args.ephemeral {
            Database::Ephemeral
        } else {
            args.database
        },
        admin_key: args.admin_key,
        public_url: args.public_url,
        scenarios_dir: args.scenarios,
        default_sandbox: !args.no_default_sandbox,
        https_binds: args.https_bind,
        tls_files: args.tls_cert.zip(args.tls_key),
        tls_sans: args.tls_san,
        signing_key_pem: None,
        journal_limit: usize::try_from(args.journal_limit).unwrap_or(usize::MAX),
        header_read_timeout: std::time::Duration::from_secs(args.header_read_timeout),
        idle_timeout: std::time::Duration::from_secs(args.idle_timeout),
        access_log: args.access_log,
        outbound_allow: args.outbound_allow,
        delivery_lease: std::time::Duration::from_secs(30),
    };
    let server = Server::build(settings).await?;
    let mut out = std::io::stdout().lock();
    if let Some(sandbox) = server.default_sandbox_json() {
        writeln!(out, "{}", crate::banner::default_sandbox(&sandbox))?;
    }
    if let Some(ca) = server.ca_path() {
        writeln!(
            out,
            "trust the local CA: {}  (REQUESTS_CA_BUNDLE / NODE_EXTRA_CA_CERTS / SSL_CERT_FILE)",
            ca.display()
        )?;
    }
    let urls = server.urls();
    writeln!(out, "pcsandbox ready {}", urls.all().join(" "))?;
    out.flush()?;
    drop(out);
    server.run_until_stopped(shutdown_signal()).await
}

/// Logs go to stderr: colour only when it is a terminal (never escape codes in a file).
fn init_tracing(format: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
