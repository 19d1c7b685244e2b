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
/// ephemeral run of this user, so `pcsandbox ca --ephemeral` can name it and clients trust it once.
pub fn ephemeral_dir() -> PathBuf {
    let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
    std::env::temp_dir().join(format!("pcsandbox-{user}"))
}

/// The CA file a server with this data directory uses.
pub fn ca_path(dir: &Path) -> PathBuf {
    dir.join(CA_CERT)
}

/// Loads the CA from `dir` (creating it on first use) and issues a fresh server certificate.
pub fn generated(dir: &Path, sans: &[String]) -> anyhow::Result<Tls> {
    // Servers started in parallel (tests) share the directory: one creates the CA, the others read it.
    static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = CREATING.lock().unwrap_or_else(|p| p.into_inner());
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (cert_path, key_path) = (dir.join(CA_CERT), dir.join(CA_KEY));
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
    // Re-creating the CA certificate from the same parameters and key yields the same subject and
    // key identifier, so a leaf signed by it chains to the stored CA certificate.
    let ca = ca_params()?.self_signed(&ca_key)?;
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
    let leaf_cert = leaf.signed_by(&leaf_key, &ca, &ca_key)?;
    let ca_pem = std::fs::read_to_string(&cert_path)?;
    let chain = vec![leaf_cert.der().clone()];
    let key = PrivateKeyDer::try_from(leaf_key.serialize_der()).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Tls {
        config: server_config(chain, key)?,
        ca_path: Some(cert_path),
        ca_pem: Some(ca_pem),
    })
}

/// The user's own certificate chain and key (PEM).
pub fn from_files(cert: &Path, key: &Path) -> anyhow::Result<Tls> {
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut std::io::BufReader::new(
        std::fs::File::open(cert).with_context(|| format!("--tls-cert {}", cert.display()))?,
    ))
    .collect::<Result<_, _>>()
    .with_context(|| format!("--tls-cert {}: not PEM certificates", cert.display()))?;
    let key = rustls_pemfile::private_key(&mut std::io::BufReader::new(
        std::fs::File::open(key).with_context(|| format!("--tls-key {}", key.display()))?,
    ))
    .with_context(|| format!("--tls-key {}: not a PEM key", key.display()))?
    .ok_or_else(|| anyhow::anyhow!("--tls-key {}: no private key found", key.display()))?;
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
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

fn write_atomic(path: &Path, text: &str, private: bool) -> anyhow::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
