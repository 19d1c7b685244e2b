//! Command-line interface: flags with environment fallbacks.

use std::net::SocketAddr;
use std::path::PathBuf;

use api::settings::Database;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "pcsandbox",
    version,
    about = "Local, stateful emulator of Microsoft Partner Center and Entra ID"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(Box<ServeArgs>),
    /// Print the path of the local CA certificate that clients should trust.
    Ca(CaArgs),
    /// Inspect the scenario catalog, or apply a scenario on a running server.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Print an access token from a running server (no sign-in): a user's, with or without MFA,
    /// or an app's.
    Token(TokenArgs),
    /// Print why the newest refused request of a sandbox was refused (or a given request).
    Explain(ExplainArgs),
    /// Print an OpenAPI document: partner-center (/v1) or sandbox (the control plane).
    Openapi {
        #[arg(default_value = "partner-center", value_parser = ["partner-center", "sandbox"])]
        which: String,
    },
}

/// How to reach a running server's control plane.
#[derive(Args, Clone)]
pub struct ServerArgs {
    /// The server's plain HTTP URL.
    #[arg(long = "server", env = "PCSANDBOX_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The control plane's key, when the server has one.
    #[arg(long, env = "PCSANDBOX_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: Option<String>,
}

#[derive(Args)]
pub struct TokenArgs {
    /// The sandbox, by id or name.
    #[arg(long, default_value = "default")]
    pub sandbox: String,
    /// The user, by id or user principal name (or the alias before @ when it is unique); none
    /// for an app-only token.
    #[arg(long)]
    pub user: Option<String>,
    /// With `mfa` in `amr`.
    #[arg(long)]
    pub mfa: bool,
    /// The app (client id); the sandbox's first app when left out.
    #[arg(long)]
    pub client: Option<String>,
    /// The audience; Partner Center when left out.
    #[arg(long)]
    pub audience: Option<String>,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// The sandbox, by id or name.
    #[arg(long, default_value = "default")]
    pub sandbox: String,
    /// A request id (MS-RequestId); the newest refused request when left out.
    #[arg(long)]
    pub request: Option<String>,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Plain HTTP listener address; port 0 picks a free port.
    #[arg(long, env = "PCSANDBOX_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// SQLite database: a file path or a sqlite: URL.
    #[arg(long, env = "PCSANDBOX_DATABASE", default_value = "pcsandbox.db", value_parser = database)]
    pub database: Database,
    /// Keep the database in memory for this run only.
    #[arg(long)]
    pub ephemeral: bool,
    /// HTTPS listener address (repeatable; the first is the authority). Port 443 lets MSAL
    /// Python's password grant reach the user-realm endpoint.
    #[arg(
        long = "https-bind",
        env = "PCSANDBOX_HTTPS_BIND",
        value_delimiter = ',',
        default_value = "127.0.0.1:8443"
    )]
    pub https_bind: Vec<SocketAddr>,
    /// Serve HTTPS with this certificate chain (PEM) instead of the generated local CA.
    #[arg(long, env = "PCSANDBOX_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) for --tls-cert.
    #[arg(long, env = "PCSANDBOX_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Extra DNS names or IPs for the generated server certificate (repeatable).
    #[arg(long = "tls-san", value_delimiter = ',')]
    pub tls_san: Vec<String>,
    /// Key required on /sandbox/v1 (mandatory when bound to a non-loopback address).
    #[arg(long, env = "PCSANDBOX_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: Option<String>,
    /// Base URL clients use to reach this server (default: from the bound address).
    #[arg(long, env = "PCSANDBOX_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A directory of extra scenario files (*.yaml).
    #[arg(long, env = "PCSANDBOX_SCENARIOS")]
    pub scenarios: Option<PathBuf>,
    /// Do not create the `default` sandbox at start.
    #[arg(long)]
    pub no_default_sandbox: bool,
    /// Log format on stderr.
    #[arg(long, env = "PCSANDBOX_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    /// One INFO line per request (method, path, status, latency); otherwise they are DEBUG lines.
    #[arg(long, env = "PCSANDBOX_ACCESS_LOG")]
    pub access_log: bool,
    /// A destination a shared server (a listener off loopback) may still deliver webhooks to: a
    /// loopback or private CIDR range, an address or a host name (repeatable, or comma-separated
    /// in the environment). Link-local addresses and the server's own listeners never.
    #[arg(long = "outbound-allow", env = "PCSANDBOX_OUTBOUND_ALLOW", value_delimiter = ',', value_parser = outbound_allow)]
    pub outbound_allow: Vec<domain::outbound::Allow>,
    /// Journaled /v1 requests kept per sandbox (the oldest are dropped).
    #[arg(long, env = "PCSANDBOX_JOURNAL_LIMIT", default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub journal_limit: u64,
    /// Seconds a client has to send a request's headers.
    #[arg(long, env = "PCSANDBOX_HEADER_READ_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_read_timeout: u64,
    /// Seconds a connection may stay idle (no bytes either way) before it is closed.
    #[arg(long, env = "PCSANDBOX_IDLE_TIMEOUT", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub idle_timeout: u64,
}

#[derive(Subcommand)]
pub enum ScenarioCommand {
    /// List the scenarios (built-in, plus --scenarios DIR).
    List {
        #[arg(long, env = "PCSANDBOX_SCENARIOS")]
        scenarios: Option<PathBuf>,
    },
    /// Print a scenario's YAML.
    Show {
        name: String,
        #[arg(long, env = "PCSANDBOX_SCENARIOS")]
        scenarios: Option<PathBuf>,
    },
    /// Create a sandbox from a scenario on a running server and print its users and apps.
    Apply {
        /// A scenario of the server's catalog (`pcsandbox scenario list`).
        name: String,
        /// The new sandbox's name (generated when left out).
        #[arg(long = "as")]
        sandbox_name: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Args)]
pub struct CaArgs {
    /// The database whose CA to show (the CA lives beside it).
    #[arg(long, env = "PCSANDBOX_DATABASE", default_value = "pcsandbox.db", value_parser = database)]
    pub database: Database,
    /// The CA of --ephemeral servers.
    #[arg(long)]
    pub ephemeral: bool,
}

/// `--database`, checked when the command line is read: a scheme pcsandbox does not serve is a
/// clear error at start, never a file of that name.
fn database(text: &str) -> Result<Database, String> {
    Database::parse(text)
}

fn outbound_allow(text: &str) -> Result<domain::outbound::Allow, String> {
    domain::outbound::Allow::parse(text)
}
