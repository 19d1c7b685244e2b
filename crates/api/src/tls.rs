//! HTTPS: a local certificate authority (created on first start, kept beside the database) that
//! signs a server certificate for `localhost`, `127.0.0.1`, `::1` and any `--tls-san` names; or
//! the user's own certificate and key. Real identity clients insist on HTTPS.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub struct Tls {
    pub config: Arc<rustls::ServerConfig>,
    /// The CA clients should trust (absent with a user-supplied certificate).
    pub ca_path: Option<PathBuf>,
    pub ca_pem: Option<String>,
}

const CA_CERT: &str = "pcsandbox-ca.pem";
const CA_KEY: &str = "pcsandbox-ca.key";

fn ca_params() -> anyhow::Result<CertificateParams> {
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "pcsandbox local CA");
    dn.push(DnType::OrganizationName, "pcsandbox");
    p.distinguished_name = dn;
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = rcgen::date_time_ymd(2024, 1, 1);
    p.not_after = rcgen::date_time_ymd(2049, 12, 31);
    Ok(p)
}

/// The directory where an `--ephemeral` server keeps its CA: temporary, but the same for every
/// ephemeral run of this user (named by the uid), so `pcsandbox ca --ephemeral` can name it and
/// clients trust it once.
pub fn ephemeral_dir() -> PathBuf {
    std::env::temp_dir().join(format!("pcsandbox-{}", current_uid()))
}

#[cfg(unix)]
fn current_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

#[cfg(not(unix))]
fn current_uid() -> u32 {
    0
}

/// Makes sure the per-user temporary directory is ours alone before a CA key goes into it: in a
/// shared `/tmp` another user could have made it first (and then read or replace our CA key).
/// Created 0700; refused when another user owns it or anyone else may write to it.
fn private_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        match std::fs::DirBuilder::new().mode(0o700).create(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
        }
        let meta = std::fs::symlink_metadata(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        anyhow::ensure!(
            meta.is_dir(),
            "{} is not a directory (a symlink or file is in its place): remove it, then start again",
            dir.display()
        );
        anyhow::ensure!(
            meta.uid() == current_uid(),
            "{} belongs to another user (uid {}), so it cannot hold this user's CA key: remove it or set TMPDIR to a directory of your own",
            dir.display(),
            meta.uid()
        );
        anyhow::ensure!(
            meta.permissions().mode() & 0o022 == 0,
            "{} is writable by other users (mode {:o}), so another user could replace the CA key: run `chmod 700 {}`",
            dir.display(),
            meta.permissions().mode() & 0o777,
            dir.display()
        );
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(())
}

/// An existing CA file must be this user's and written by no one else: a CA key or certificate
/// that another user put beside a database in a shared folder would be theirs to read or swap.
fn own_file(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        anyhow::ensure!(
            meta.is_file() && meta.uid() == current_uid(),
            "{} is not a file of this user (uid {}): remove it, and the server makes a new CA",
            path.display(),
            meta.uid()
        );
        anyhow::ensure!(
            meta.permissions().mode() & 0o022 == 0,
            "{} may be written by other users (mode {:o}): remove it, and the server makes a new CA",
            path.display(),
            meta.permissions().mode() & 0o777
        );
    }
    Ok(())
}

/// The CA file a server with this data directory uses.
pub fn ca_path(dir: &Path) -> PathBuf {
    dir.join(CA_CERT)
}

/// Loads the CA from `dir` (creating it on first use) and issues a fresh server certificate.
/// `private` asks for the checks of the per-user temporary directory ([`private_dir`]).
pub fn generated(dir: &Path, private: bool, sans: &[String]) -> anyhow::Result<Tls> {
    // Servers started in parallel (tests) share the directory: one creates the CA, the others read it.
    static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = CREATING.lock().unwrap_or_else(|p| p.into_inner());
    if private {
        private_dir(dir)?;
    } else {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let (cert_path, key_path) = (dir.join(CA_CERT), dir.join(CA_KEY));
    own_file(&key_path)?;
    own_file(&cert_path)?;
    let ca_key = match std::fs::read_to_string(&key_path) {
        Ok(pem) if cert_path.exists() => KeyPair::from_pem(&pem).context("the CA key is unreadable")?,
        _ => {
            let key = KeyPair::generate()?;
            let cert = ca_params()?.self_signed(&key)?;
            // The key first, then the certificate, each written whole (temporary file + rename):
            // a reader that sees the certificate always finds its key.
            write_atomic(&key_path, &key.serialize_pem(), true)?;
            write_atomic(&cert_path, &cert.pem(), false)?;
            key
        }
    };
    drop(guard);
    let ca_pem = std::fs::read_to_string(&cert_path)?;
    issue(ca_key, ca_pem, Some(cert_path), sans)
}

/// A new CA: its key and its certificate, PEM.
pub fn new_ca() -> anyhow::Result<(String, String)> {
    let key = KeyPair::generate()?;
    let cert = ca_params()?.self_signed(&key)?;
    Ok((key.serialize_pem(), cert.pem()))
}

/// A server certificate issued by a CA given as PEM (the team server keeps its CA in the
/// database, so every replica presents a certificate of the same CA).
pub fn from_ca(ca_key_pem: &str, ca_cert_pem: &str, sans: &[String]) -> anyhow::Result<Tls> {
    let ca_key = KeyPair::from_pem(ca_key_pem).context("the CA key is unreadable")?;
    issue(ca_key, ca_cert_pem.to_owned(), None, sans)
}

fn issue(ca_key: KeyPair, ca_pem: String, ca_path: Option<PathBuf>, sans: &[String]) -> anyhow::Result<Tls> {
    // The same parameters and key yield the same subject and key identifier, so a leaf signed
    // by this issuer chains to the stored CA certificate.
    let issuer = rcgen::Issuer::new(ca_params()?, ca_key);
    let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    for s in sans {
        if !names.contains(s) {
            names.push(s.clone());
        }
    }
    let mut leaf = CertificateParams::new(names)?;
    leaf.distinguished_name.push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    leaf.not_before = rcgen::date_time_ymd(2024, 1, 1);
    leaf.not_after = rcgen::date_time_ymd(2049, 12, 31);
    let leaf_key = KeyPair::generate()?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer)?;
    let chain = vec![leaf_cert.der().clone()];
    let key = PrivateKeyDer::try_from(leaf_key.serialize_der()).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Tls {
        config: server_config(chain, key)?,
        ca_path,
        ca_pem: Some(ca_pem),
    })
}

/// The user's own certificate chain and key (PEM).
pub fn from_files(cert: &Path, key: &Path) -> anyhow::Result<Tls> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("--tls-cert {}: cannot read", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("--tls-cert {}: not PEM certificates", cert.display()))?;
    anyhow::ensure!(!certs.is_empty(), "--tls-cert {}: no certificate found", cert.display());
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("--tls-key {}: no PEM private key found", key.display()))?;
    Ok(Tls {
        config: server_config(certs, key)?,
        ca_path: None,
        ca_pem: None,
    })
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// Writes a file whole (temporary file + rename). A private one is created 0600, never readable
/// by others even for a moment.
fn write_atomic(path: &Path, text: &str, private: bool) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_ca_survives_a_restart_and_its_key_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = generated(dir.path(), false, &[]).unwrap();
        let again = generated(dir.path(), false, &[]).unwrap();
        assert_eq!(first.ca_pem, again.ca_pem, "the same CA after a restart");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(CA_KEY)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_temporary_ca_directory_others_may_write_to_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("pcsandbox-shared");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = generated(&dir, true, &[]).err().unwrap().to_string();
        assert!(
            err.contains("writable by other users") && err.contains("chmod 700"),
            "{err}"
        );
        assert!(!dir.join(CA_KEY).exists(), "no key was written");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(generated(&dir, true, &[]).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_temporary_ca_directory_of_another_user_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("pcsandbox-theirs");
        std::fs::create_dir(&dir).unwrap();
        // Only root can give a directory away; elsewhere the check is the same code path.
        if rustix::process::getuid().is_root() {
            std::os::unix::fs::chown(&dir, Some(65_534), None).unwrap();
            let err = generated(&dir, true, &[]).err().unwrap().to_string();
            assert!(err.contains("belongs to another user"), "{err}");
        }
        let file = base.path().join("pcsandbox-file");
        std::fs::write(&file, "x").unwrap();
        assert!(
            generated(&file, true, &[]).is_err(),
            "a file in the directory's place is refused"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_ca_beside_the_database_that_others_wrote_or_own_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        assert!(generated(dir.path(), false, &[]).is_ok());
        let cert = dir.path().join(CA_CERT);
        std::fs::set_permissions(&cert, std::fs::Permissions::from_mode(0o666)).unwrap();
        let err = generated(dir.path(), false, &[]).err().unwrap().to_string();
        assert!(err.contains("may be written by other users"), "{err}");
        std::fs::set_permissions(&cert, std::fs::Permissions::from_mode(0o644)).unwrap();
        if rustix::process::getuid().is_root() {
            std::os::unix::fs::chown(dir.path().join(CA_KEY), Some(65_534), None).unwrap();
            let err = generated(dir.path(), false, &[]).err().unwrap().to_string();
            assert!(err.contains("not a file of this user"), "{err}");
        }
    }
}
