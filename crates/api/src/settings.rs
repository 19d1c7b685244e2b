//! Server configuration: one struct, built from flags and environment by the binary, validated here.

use std::net::SocketAddr;
use std::path::PathBuf;

pub use store::Database;

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
}

impl Settings {
    /// Where the generated CA lives: beside the database file, or a per-user temporary directory.
    pub fn tls_dir(&self) -> PathBuf {
        match &self.database {
            Database::File(path) => match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            },
            Database::Memory => crate::tls::ephemeral_dir(),
        }
    }
}

impl Settings {
    /// Settings for an in-process test server: loopback, port 0, in memory, no default sandbox.
    pub fn for_tests() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: Database::Memory,
            admin_key: None,
            public_url: None,
            scenarios_dir: None,
            default_sandbox: false,
            https_binds: vec![SocketAddr::from(([127, 0, 0, 1], 0))],
            tls_files: None,
            tls_sans: Vec::new(),
            signing_key_pem: None,
        }
    }

    /// Refuses settings that would expose the control plane without a key.
    pub fn validate(&self) -> Result<(), String> {
        let exposed = std::iter::once(&self.bind)
            .chain(&self.https_binds)
            .any(|a| !a.ip().is_loopback());
        if exposed && self.admin_key.as_deref().is_none_or(str::is_empty) {
            return Err(format!(
                "a listener is bound to a non-loopback address ({}): set PCSANDBOX_ADMIN_KEY (--admin-key) to protect /sandbox/v1",
                self.bind
            ));
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("--public-url {url}: must start with http:// or https://"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_loopback_binds_need_an_admin_key() {
        let mut s = Settings::for_tests();
        assert!(s.validate().is_ok());
        s.bind = "0.0.0.0:8080".parse().unwrap();
        assert!(s.validate().unwrap_err().contains("PCSANDBOX_ADMIN_KEY"));
        s.admin_key = Some("k".into());
        assert!(s.validate().is_ok());
    }
}
