//! The mock Entra ID's use-cases: tenant resolution, the token endpoint (one function per
//! grant), the interactive sign-in and device-code flows.

pub mod error;
pub mod scopes;
pub mod signin;
pub mod token;

use domain::world::{App, Tenant};
use domain::{AppId, SandboxId, TenantId};
use identity::{KeySet, SigningKey};
use sha2::{Digest, Sha256};

pub use error::EntraError;

use crate::Core;

/// Access tokens live an hour (Entra's default lies between 60 and 90 minutes; a fixed value keeps
/// expiry tests simple).
pub const ACCESS_TOKEN_SECS: i64 = 3600;
pub const REFRESH_TOKEN_SECS: i64 = 90 * 86_400;
pub const AUTH_CODE_SECS: i64 = 600;
pub const DEVICE_CODE_SECS: i64 = 900;
pub const DEVICE_POLL_SECS: i64 = 5;
pub const SIGN_IN_SECS: i64 = 1800;

/// The `{tenant}` segment of an identity URL, resolved.
#[derive(Debug, Clone)]
pub enum TenantPath {
    Specific {
        sandbox: SandboxId,
        tenant: Tenant,
    },
    /// `common` or `organizations`: the tenant comes from the app or the user.
    Any(String),
}

impl TenantPath {
    pub fn label(&self) -> String {
        match self {
            TenantPath::Specific { tenant, .. } => tenant.id.to_string(),
            TenantPath::Any(s) => s.clone(),
        }
    }
}

/// SHA-256 hex of a secret value (codes, tokens): what the store keeps.
pub fn key_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A high-entropy opaque value (codes, refresh tokens, flow ids).
pub fn opaque(random: &dyn identity::Random, bytes: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random.bytes(bytes))
}

/// Loads the token signing keys, creating one on first start. A given PEM (tests) is used as is.
pub async fn load_signing_keys(store: &store::Store, given_pem: Option<&str>) -> Result<KeySet, String> {
    let mut keys = Vec::new();
    for k in store.signing_keys().await.map_err(|e| e.to_string())? {
        keys.push(SigningKey::from_pem(&k.private_pem).map_err(|e| e.to_string())?);
    }
    if keys.is_empty() {
        let key = match given_pem {
            Some(p) => SigningKey::from_pem(p),
            None => SigningKey::generate(),
        }
        .map_err(|e| e.to_string())?;
        let stored = store::keys::StoredKey {
            kid: key.kid.clone(),
            private_pem: key.pem().to_owned(),
        };
        let mut tx = store.begin().await.map_err(|e| e.to_string())?;
        store::keys::insert(&mut tx, &stored, &chrono::Utc::now().to_rfc3339())
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        keys.push(key);
    }
    KeySet::new(keys).ok_or_else(|| "no signing key".to_owned())
}

impl Core {
    /// Resolves `{tenant}`: a GUID, a domain of a tenant, `common` or `organizations`.
    pub async fn resolve_tenant(&self, segment: &str) -> Result<TenantPath, EntraError> {
        let s = segment.trim().to_ascii_lowercase();
        if s == "common" || s == "organizations" {
            return Ok(TenantPath::Any(s));
        }
        if let Ok(id) = s.parse::<TenantId>() {
            return match self.store.tenant_by_id(id).await? {
                Some((sandbox, tenant)) => Ok(TenantPath::Specific { sandbox, tenant }),
                None => Err(EntraError::tenant_not_found(segment)),
            };
        }
        let found = self.store.tenants_by_domain(&s).await?;
        match found.as_slice() {
            [] => Err(EntraError::tenant_not_found(segment)),
            [(sandbox, tid)] => {
                let (_, tenant) = self
                    .store
                    .tenant_by_id(*tid)
                    .await?
                    .ok_or_else(|| EntraError::tenant_not_found(segment))?;
                Ok(TenantPath::Specific {
                    sandbox: *sandbox,
                    tenant,
                })
            }
            many => Err(EntraError::tenant_ambiguous(segment, many.len())),
        }
    }

    /// The app calling the token endpoint, checked against the tenant in the URL: a specific
    /// tenant must be in the app's sandbox (apps are multi-tenant within their sandbox).
    pub(crate) async fn client_app(&self, path: &TenantPath, client_id: &str) -> Result<(SandboxId, App), EntraError> {
        let unknown = || EntraError::unknown_client(client_id, &path.label());
        let id: AppId = client_id.trim().parse().map_err(|_| unknown())?;
        let (sandbox, app) = self.store.app(id).await?.ok_or_else(unknown)?;
        if let TenantPath::Specific { sandbox: s, .. } = path {
            if *s != sandbox {
                return Err(unknown());
            }
        }
        Ok((sandbox, app))
    }

    /// The sandbox clock as unix seconds.
    pub(crate) async fn sandbox_unix_now(&self, sandbox: SandboxId) -> Result<i64, EntraError> {
        let sb = self
            .store
            .sandbox(&sandbox.to_string())
            .await?
            .ok_or_else(EntraError::server_error)?;
        Ok(self.sandbox_now(&sb).timestamp())
    }
}
