//! pcsandbox: a local, stateful emulator of Microsoft Partner Center and the Entra ID slice it
//! depends on. The binary is only the CLI; everything else lives in crates/.

mod banner;
mod cli;
mod client;
mod serve;

use clap::Parser;
use cli::{Cli, Command, ScenarioCommand};
use pcsandbox_core::Catalog;

/// mimalloc instead of the system allocator: a `/v1` request makes a few dozen small
/// allocations, and glibc's malloc/free took a sixth of the server's time under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn catalog(dir: Option<std::path::PathBuf>) -> anyhow::Result<Catalog> {
    match dir {
        Some(d) => Catalog::with_dir(&d),
        None => Catalog::builtin(),
    }
    .map_err(anyhow::Error::msg)
}

/// On one core (a pinned server, a small container) a single-threaded runtime serves with no
/// cross-thread wake-ups; with more, the multi-threaded one uses them all.
fn main() -> std::process::ExitCode {
    match start() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // A user's error is one line (its causes joined), never a backtrace.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn start() -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let runtime = if cores == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    } else {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()?
    };
    runtime.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => serve::run(*args).await,
        Command::Ca(args) => {
            if let api::settings::Database::Postgres(_) = &args.database {
                anyhow::bail!(
                    "a team server keeps its CA in the database: fetch it from a replica, GET /sandbox/v1/ca.pem"
                );
            }
            let settings_dir = if args.ephemeral {
                api::tls::ephemeral_dir()
            } else {
                api::settings::tls_dir_for(&args.database)
            };
            let path = api::tls::ca_path(&settings_dir);
            anyhow::ensure!(
                path.exists(),
                "{} does not exist yet: start `pcsandbox serve` once to create it",
                path.display()
            );
            println!("{}", path.display());
            Ok(())
        }
        Command::Scenario(ScenarioCommand::List { scenarios }) => {
            for e in catalog(scenarios)?.list() {
                println!("{:<24} {}", e.name, e.description);
            }
            Ok(())
        }
        Command::Scenario(ScenarioCommand::Show { name, scenarios }) => {
            let c = catalog(scenarios)?;
            let e = c
                .get(&name)
                .ok_or_else(|| anyhow::anyhow!("no scenario named '{name}'"))?;
            print!("{}", e.source);
            Ok(())
        }
        Command::Scenario(ScenarioCommand::Apply {
            name,
            sandbox_name,
            server,
        }) => client::apply(&name, sandbox_name, &server).await,
        Command::Token(args) => client::token(args).await,
        Command::Explain(args) => client::explain(args).await,
        Command::Openapi { which } => {
            print!(
                "{}",
                if which == "sandbox" {
                    api::openapi::SANDBOX
                } else {
                    api::openapi::PARTNER_CENTER
                }
            );
            Ok(())
        }
    }
}
