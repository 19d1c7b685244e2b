//! Who is calling the Partner Center API: bearer token -> verified claims -> [`Principal`].
//!
//! Verified tokens are cached by their text until they expire on the sandbox clock, so the hot
//! path is one map lookup. Anything that changes what a cached principal says (roles, the MFA
//! policy, the clock, a reset or deletion) is a write to its sandbox, which makes that sandbox's
//! entries stale ([`crate::cache`]).

use std::sync::Arc;

use domain::access::{CallerKind, MfaPolicy};
use domain::world::MfaEnforcement;
use domain::{AppId, Role, SandboxId, TenantId, UserId};
use identity::claims::{PARTNER_CENTER, PARTNER_CENTER_APP_ID};
use identity::VerifyError;
use serde_json::Value;

use crate::cache::ReadCache;
use crate::Core;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalUser {
    pub id: UserId,
    pub upn: String,
    pub roles: Vec<Role>,
}

/// A verified caller of `/v1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub sandbox: SandboxId,
    pub tenant: TenantId,
    pub app_id: AppId,
    pub app_name: String,
    /// None for app-only tokens.
    pub user: Option<PrincipalUser>,
    /// `mfa` is in the token's `amr`.
    pub mfa: bool,
    pub policy: MfaPolicy,
    /// The sandbox clock's offset when the principal was built (a clock change rebuilds it).
    pub clock_offset_ms: i64,
    /// The caller as the journal records it, built once per verified token.
    pub journal: Arc<store::journal::Who>,
}

impl Principal {
    pub fn kind(&self) -> CallerKind<'_> {
        match &self.user {
            None => CallerKind::AppOnly,
            Some(u) => CallerKind::AppUser {
                mfa: self.mfa,
                roles: &u.roles,
            },
        }
    }
}

/// Why a bearer token is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the request has no bearer token")]
    Missing,
    #[error("{0}")]
    Invalid(String),
    #[error("internal error")]
    Internal,
    /// The database cannot be reached for now.
    #[error("the database is unavailable")]
    Unavailable,
}

#[derive(Clone)]
struct Cached {
    principal: Arc<Principal>,
    exp: i64,
    offset_ms: i64,
}

/// Beyond this many entries the cache drops stale ones, then everything.
const MAX_CACHED: usize = 50_000;

/// Verified tokens by their text, valid until their sandbox changes or they expire.
pub struct TokenCache(ReadCache<Box<str>, Cached>);

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenCache {
    pub fn new() -> Self {
        Self(ReadCache::new(MAX_CACHED))
    }

    fn get(&self, token: &str, real_now_ms: i64) -> Option<Result<Arc<Principal>, AuthError>> {
        let c = self.0.get(token)?;
        if (real_now_ms + c.offset_ms).div_euclid(1000) >= c.exp {
            return Some(Err(AuthError::Invalid(VerifyError::Expired.to_string())));
        }
        Some(Ok(c.principal))
    }
}

fn invalid(e: impl ToString) -> AuthError {
    AuthError::Invalid(e.to_string())
}

impl From<store::StoreError> for AuthError {
    fn from(e: store::StoreError) -> Self {
        tracing::error!(error = %e, "store failed while authenticating");
        if e.is_unavailable() {
            AuthError::Unavailable
        } else {
            AuthError::Internal
        }
    }
}

impl From<crate::CoreError> for AuthError {
    fn from(e: crate::CoreError) -> Self {
        tracing::error!(error = %e, "store failed while authenticating");
        match e {
            crate::CoreError::Store(e) if e.is_unavailable() => AuthError::Unavailable,
            _ => AuthError::Internal,
        }
    }
}

impl Core {
    /// Verifies a Partner Center bearer token. `issuer_bases` are the base URLs the server is
    /// known by (tokens name one of them in `iss`).
    pub async fn authenticate(&self, token: &str, issuer_bases: &[&str]) -> Result<Arc<Principal>, AuthError> {
        let real_now_ms = self.clock.now().timestamp_millis();
        if let Some(hit) = self.pc_tokens.get(token, real_now_ms) {
            return hit;
        }
        let tid: TenantId = identity::verify::peek_tenant(token)
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| invalid(VerifyError::Malformed))?;
        let unknown_tenant = || invalid("the token's tenant is not a tenant of any sandbox");
        let (sandbox_id, _) = self.tenant(tid).await?.ok_or_else(unknown_tenant)?;
        // The stamp before the reads that build the principal: a write meanwhile makes this
        // entry stale rather than wrong.
        let stamp = self.caches.stamp(sandbox_id);
        let (_, tenant) = self.tenant(tid).await?.ok_or_else(unknown_tenant)?;
        let sandbox = self
            .sandbox(sandbox_id)
            .await?
            .ok_or_else(|| invalid("the token's sandbox no longer exists"))?;
        let now = self.sandbox_now(&sandbox).timestamp();
        let keys = self.keyset_for(sandbox_id).await?;
        let claims = identity::verify(
            &keys,
            token,
            &[PARTNER_CENTER, PARTNER_CENTER_APP_ID],
            issuer_bases,
            now,
        )
        .map_err(invalid)?;
        let claim = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or_default();
        let app_id: AppId = claim("appid")
            .parse()
            .or_else(|_| claim("azp").parse())
            .map_err(|_| invalid("the token names no application"))?;
        let (app_sandbox, app) = self
            .app(app_id)
            .await?
            .ok_or_else(|| invalid("the token's application does not exist"))?;
        if app_sandbox != sandbox_id {
            return Err(invalid("the token's application belongs to another sandbox"));
        }
        let user = if claim("idtyp") == "user" {
            let id: UserId = claim("oid").parse().map_err(|_| invalid("the token names no user"))?;
            let mut c = self.store.conn().await?;
            let u = store::world::user(&mut c, id)
                .await?
                .map(|(_, u)| u)
                .filter(|u| u.tenant_id == tid)
                .ok_or_else(|| invalid("the token's user does not exist in its tenant"))?;
            Some(PrincipalUser {
                id: u.id,
                upn: u.user_principal_name,
                roles: u.roles,
            })
        } else {
            None
        };
        let mfa = amr_has_mfa(&claims);
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or_default();
        let journal = Arc::new(store::journal::Who {
            tenant_id: Some(tid),
            user_id: user.as_ref().map(|u| u.id),
            upn: user.as_ref().map(|u| u.upn.clone()),
            app_id: Some(app_id),
            app_name: app.display_name.clone(),
            mfa,
        });
        let principal = Arc::new(Principal {
            journal,
            sandbox: sandbox_id,
            tenant: tid,
            app_id,
            app_name: app.display_name.clone(),
            user,
            mfa,
            policy: MfaPolicy {
                enforced: sandbox.mfa_enforcement == MfaEnforcement::Enforced,
                tenant_exception: tenant.mfa_technical_exception,
            },
            clock_offset_ms: sandbox.clock_offset_ms,
        });
        self.pc_tokens.0.put(
            token.into(),
            stamp,
            Cached {
                principal: principal.clone(),
                exp,
                offset_ms: sandbox.clock_offset_ms,
            },
        );
        Ok(principal)
    }
}

/// Whether a verified token's `amr` holds `mfa` (the user passed a second factor).
pub(crate) fn amr_has_mfa(claims: &serde_json::Map<String, Value>) -> bool {
    claims
        .get("amr")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("mfa")))
}
