//! pcsandbox: a local, stateful emulator of Microsoft Partner Center and the Entra ID slice it
//! depends on. The binary is only the CLI; everything else lives in crates/.

mod banner;
mod cli;
mod serve;

use clap::Parser;
use cli::{Cli, Command, ScenarioCommand};
use pcsandbox_core::Catalog;

fn catalog(dir: Option<std::path::PathBuf>) -> anyhow::Result<Catalog> {
    match dir {
        Some(d) => Catalog::with_dir(&d),
        None => Catalog::builtin(),
    }
    .map_err(anyhow::Error::msg)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => serve::run(*args).await,
        Command::Ca(args) => {
            let settings_dir = if args.ephemeral {
                api::tls::ephemeral_dir()
            } else {
                match args.database.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => std::path::PathBuf::from("."),
                }
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
    }
}
