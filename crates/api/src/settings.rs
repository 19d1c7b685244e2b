//! Server configuration: one struct, built from flags and environment by the binary, validated here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use store::{fresh_postgres_database, Database};

#[derive(Debug, Clone)]
pub struct Settings {
    /// Plain HTTP listener (`--bind`, `PCSANDBOX_BIND`).
    pub bind: SocketAddr,
    pub database: Database,
    /// Required on `/sandbox/v1` when bound to a non-loopback address.
    pub admin_key: Option<String>,
    /// The base URL clients use for plain HTTP; derived from the bound address when absent.
    pub public_url: Option<String>,
    /// Extra scenarios (`*.yaml`) beside the built-in ones.
    pub scenarios_dir: Option<PathBuf>,
    /// Create the `default` sandbox at start when it does not exist.
    pub default_sandbox: bool,
    /// HTTPS listeners (`--https-bind`, repeatable); the first is the authority clients use.
    pub https_binds: Vec<SocketAddr>,
    /// The user's own certificate and key instead of the generated local CA.
    pub tls_files: Option<(PathBuf, PathBuf)>,
    /// Extra names for the generated server certificate.
    pub tls_sans: Vec<String>,
    /// A token signing key to use when the database has none yet (tests share one to save time).
    pub signing_key_pem: Option<String>,
    /// Journaled `/v1` requests kept per sandbox (`--journal-limit`).
    pub journal_limit: usize,
    /// A client must send a request's headers within this time (slow-header clients are cut off).
    pub header_read_timeout: Duration,
    /// A connection with no bytes either way for this long is closed.
    pub idle_timeout: Duration,
    /// One access log line per request at INFO (`--access-log`); otherwise they are DEBUG lines.
    pub access_log: bool,
    /// Destinations a shared server may still call (`--outbound-allow`): loopback or private
    /// ranges and hosts. Link-local addresses and the server's own listeners never.
    pub outbound_allow: Vec<domain::outbound::Allow>,
    /// How long a replica holds a webhook delivery it is sending before another may finish it.
    pub delivery_lease: Duration,
}

/// Where the generated CA of a server on this database lives (`pcsandbox ca` asks too).
pub fn tls_dir_for(database: &Database) -> PathBuf {
    match database {
        Database::File(path) => match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
        Database::Ephemeral => crate::tls::ephemeral_dir(),
        // The team server keeps its CA in the database; nothing is written here.
        Database::Postgres(_) => PathBuf::from("."),
    }
}

impl Settings {
    /// Where the generated CA lives: beside the database file, or a per-user temporary directory.
    pub fn tls_dir(&self) -> PathBuf {
        tls_dir_for(&self.database)
    }

    /// Settings for an in-process test server: loopback, port 0, ephemeral, no default sandbox.
    pub fn for_tests() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: Database::Ephemeral,
            admin_key: None,
            public_url: None,
            scenarios_dir: None,
            default_sandbox: false,
            https_binds: vec![SocketAddr::from(([127, 0, 0, 1], 0))],
            tls_files: None,
            tls_sans: Vec::new(),
            signing_key_pem: None,
            journal_limit: domain::limits::DEFAULT_JOURNAL,
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            access_log: false,
            outbound_allow: Vec::new(),
            delivery_lease: Duration::from_secs(30),
        }
    }

    /// Refuses settings that would expose the control plane without a key, and values that make
    /// no sense; each message names the flag.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(key) = &self.admin_key {
            if key.trim().is_empty() {
                return Err("--admin-key (PCSANDBOX_ADMIN_KEY) is blank: give a key, or leave it unset".into());
            }
        }
        let exposed = std::iter::once(("--bind", &self.bind))
            .chain(self.https_binds.iter().map(|a| ("--https-bind", a)))
            .find(|(_, a)| !a.ip().is_loopback());
        if let Some((flag, addr)) = exposed {
            if self.admin_key.is_none() {
                return Err(format!(
                    "{flag} {addr} listens off loopback: set PCSANDBOX_ADMIN_KEY (--admin-key) to protect /sandbox/v1"
                ));
            }
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("--public-url {url}: must start with http:// or https://"));
            }
        }
        if self.journal_limit == 0 {
            return Err("--journal-limit must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_loopback_binds_need_an_admin_key_and_the_error_names_the_listener() {
        let mut s = Settings::for_tests();
        assert!(s.validate().is_ok());
        s.https_binds = vec!["0.0.0.0:8443".parse().unwrap()];
        let e = s.validate().unwrap_err();
        assert!(e.contains("--https-bind 0.0.0.0:8443"), "{e}");
        assert!(e.contains("PCSANDBOX_ADMIN_KEY"), "{e}");
        s.https_binds = vec![];
        s.bind = "0.0.0.0:8080".parse().unwrap();
        assert!(s.validate().unwrap_err().contains("--bind 0.0.0.0:8080"));
        s.admin_key = Some("k".into());
        assert!(s.validate().is_ok());
    }

    #[test]
    fn a_blank_admin_key_is_refused() {
        let mut s = Settings::for_tests();
        for blank in ["", "   ", "\t\n"] {
            s.admin_key = Some(blank.into());
            assert!(s.validate().unwrap_err().contains("blank"), "{blank:?}");
        }
    }
}
