//! Command-line interface: flags with environment fallbacks.

use std::net::SocketAddr;
use std::path::PathBuf;

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
    Serve(ServeArgs),
    /// Inspect the scenario catalog.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
}

#[derive(Args)]
pub struct ServeArgs {
    /// Plain HTTP listener address; port 0 picks a free port.
    #[arg(long, env = "PCSANDBOX_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// SQLite database file.
    #[arg(long, env = "PCSANDBOX_DATABASE", default_value = "pcsandbox.db")]
    pub database: PathBuf,
    /// Keep the database in memory for this run only.
    #[arg(long)]
    pub ephemeral: bool,
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
}
