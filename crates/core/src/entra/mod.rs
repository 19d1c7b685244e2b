//! The mock Entra ID's use-cases: tenant resolution, the token endpoint (one function per
//! grant), the interactive sign-in and device-code flows.

pub mod error;
pub mod scopes;
pub mod signin;
pub mod token;

use std::sync::Arc;

use domain::world::{App, Sandbox, Tenant};
use domain::{AppId, SandboxId, TenantId};
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

/// The portal's own client: a first-party public client that every sandbox knows, as every
/// Entra tenant knows Microsoft's first-party apps. It signs users in to the portal pages with
/// the authorization code flow and PKCE; it redirects only to the server's own
/// `/dashboard/signin-oidc`. (Partner Center's real portal uses its own first-party id; tokens
/// of this one are for the portal session only.)
pub const PORTAL_CLIENT_ID: AppId = AppId(uuid::Uuid::from_u128(0x4990cffe_04e8_4e8b_808a_1175604b879f));
pub const PORTAL_APP_NAME: &str = "Microsoft Partner Center";

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

impl Core {
    /// Resolves `{tenant}`: a GUID, a domain of a tenant, `common` or `organizations`.
    pub async fn resolve_tenant(&self, segment: &str) -> Result<TenantPath, EntraError> {
        let s = segment.trim().to_ascii_lowercase();
        if s == "common" || s == "organizations" {
            return Ok(TenantPath::Any(s));
        }
        if let Ok(id) = s.parse::<TenantId>() {
            return match self.tenant(id).await? {
                Some((sandbox, tenant)) => Ok(TenantPath::Specific {
                    sandbox,
                    tenant: (*tenant).clone(),
                }),
                None => Err(EntraError::tenant_not_found(segment)),
            };
        }
        let found = self.tenants_by_domain(&s).await?;
        match found.as_slice() {
            [] => Err(EntraError::tenant_not_found(segment)),
            [(sandbox, tenant)] => Ok(TenantPath::Specific {
                sandbox: *sandbox,
                tenant: (**tenant).clone(),
            }),
            many => Err(EntraError::tenant_ambiguous(segment, many.len())),
        }
    }

    /// The app calling the token endpoint, checked against the tenant in the URL: a specific
    /// tenant must be in the app's sandbox (apps are multi-tenant within their sandbox).
    pub(crate) async fn client_app(
        &self,
        path: &TenantPath,
        client_id: &str,
    ) -> Result<(SandboxId, Arc<App>), EntraError> {
        let unknown = || EntraError::unknown_client(client_id, &path.label());
        let id: AppId = client_id.trim().parse().map_err(|_| unknown())?;
        if id == PORTAL_CLIENT_ID {
            // Known in every tenant, but only by name: the sandbox comes from the tenant.
            let TenantPath::Specific { sandbox, tenant } = path else {
                return Err(unknown());
            };
            return Ok((
                *sandbox,
                Arc::new(App {
                    client_id: PORTAL_CLIENT_ID,
                    tenant_id: tenant.id,
                    display_name: PORTAL_APP_NAME.to_owned(),
                    redirect_uris: self.settings.portal_redirect_uris.clone(),
                    public_client: true,
                    secret_hash: None,
                }),
            ));
        }
        let (sandbox, app) = self.app(id).await?.ok_or_else(unknown)?;
        if let TenantPath::Specific { sandbox: s, .. } = path {
            if *s != sandbox {
                return Err(unknown());
            }
        }
        Ok((sandbox, app))
    }

    /// Whether sign-out may send the browser to `uri`: a redirect URI registered for the app that
    /// signs out, or, when the app is not named, for an app of the tenant's sandbox.
    pub async fn logout_redirect_allowed(
        &self,
        path: &TenantPath,
        client_id: Option<&str>,
        uri: &str,
    ) -> Result<bool, EntraError> {
        if let Some(id) = client_id {
            return Ok(match self.client_app(path, id).await {
                Ok((_, app)) => app.redirect_uris.iter().any(|r| r == uri),
                Err(_) => false,
            });
        }
        let TenantPath::Specific { sandbox, .. } = path else {
            return Ok(false);
        };
        let mut c = self.store.conn().await?;
        Ok(store::world::apps_with_redirect(&mut c, *sandbox, uri).await? > 0)
    }

    /// A sandbox as the identity surface reads it (its clock and sign-in settings).
    pub(crate) async fn identity_sandbox(&self, sandbox: SandboxId) -> Result<Arc<Sandbox>, EntraError> {
        self.sandbox(sandbox).await?.ok_or_else(EntraError::server_error)
    }

    /// A write for the identity surface's own records (grants, sign-in counters): nothing a
    /// cache holds changes, so other requests' cached reads of the sandbox stay valid.
    pub(crate) async fn grant_write(&self, sandbox: SandboxId) -> Result<crate::uow::Write<'_>, EntraError> {
        Ok(self.write_quiet(sandbox).await?)
    }
}
