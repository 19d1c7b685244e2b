//! Sandbox powers over what the Partner Center API sees: the sandbox's settings (MFA policy,
//! review time, sign-in lockout), a tenant's MFA exception, and tokens minted directly.

use domain::world::{MfaEnforcement, SignInLockout};
use domain::{AppId, FieldError, SandboxId, TenantId};
use identity::claims::{self, AccessTokenSpec, Resource, UserClaims};
use serde_json::{json, Map, Value};

use crate::entra::{opaque, ACCESS_TOKEN_SECS};
use crate::error::{CoreError, Result};
use crate::Core;

/// `PATCH /sandbox/v1/sandboxes/{sid}`: the settings to change.
#[derive(Debug, Clone, Default)]
pub struct SandboxPatch {
    pub mfa_enforcement: Option<MfaEnforcement>,
    pub review_business_days: Option<u32>,
    pub sign_in_lockout: Option<SignInLockout>,
    pub business_calendar: Option<domain::calendar::BusinessCalendar>,
}

/// What `POST /sandbox/v1/sandboxes/{sid}/tokens` asks for.
#[derive(Debug, Clone)]
pub struct MintRequest {
    pub client_id: AppId,
    /// The user by id or user principal name; none for an app-only token.
    pub user_id: Option<crate::uow::UserRef>,
    /// Put `mfa` in `amr` (user tokens only).
    pub mfa: bool,
    /// Partner Center unless given.
    pub resource: Option<Resource>,
    pub expires_in: Option<i64>,
}

/// Longest lifetime a minted token may ask for (a day).
pub const MAX_MINTED_SECS: i64 = 86_400;

impl Core {
    pub async fn patch_sandbox(&self, sandbox: SandboxId, p: SandboxPatch) -> Result<()> {
        let review = p
            .review_business_days
            .map(|d| domain::scenario::review_business_days("reviewBusinessDays", d))
            .transpose()?;
        let mut w = self.write(sandbox).await?;
        if let Some(e) = p.mfa_enforcement {
            w.sandbox.mfa_enforcement = e;
        }
        if let Some(d) = review {
            w.sandbox.review_business_days = d;
        }
        if let Some(l) = p.sign_in_lockout {
            w.sandbox.sign_in_lockout = l;
        }
        if let Some(c) = p.business_calendar {
            w.sandbox.business_calendar = c;
        }
        let settings = w.sandbox.clone();
        store::sandboxes::save_settings(w.c(), &settings).await?;
        w.commit().await
    }

    pub async fn set_mfa_exception(&self, sandbox: SandboxId, tenant: TenantId, granted: bool) -> Result<()> {
        let mut w = self.write(sandbox).await?;
        store::world::tenant(w.c(), tenant)
            .await?
            .filter(|(s, _)| *s == sandbox)
            .ok_or_else(|| CoreError::not_found("tenant", tenant))?;
        store::world::set_tenant_mfa_exception(w.c(), tenant, granted).await?;
        w.commit().await
    }

    /// Mints an access token as the token endpoint would, with the claims asked for and no sign-in.
    /// Clearly a sandbox power: no Entra endpoint does this.
    pub async fn mint_token(
        &self,
        sandbox: SandboxId,
        req: MintRequest,
        issuer_base: &str,
    ) -> Result<Map<String, Value>> {
        let sb = self
            .sandbox(sandbox)
            .await?
            .ok_or_else(|| CoreError::not_found("sandbox", sandbox))?;
        let unknown_app = || CoreError::NotFound {
            what: "app",
            id: req.client_id.to_string(),
            field: Some("clientId".into()),
        };
        let (app_sandbox, app) = self.app(req.client_id).await?.ok_or_else(unknown_app)?;
        if app_sandbox != sandbox {
            return Err(unknown_app());
        }
        let resource = req.resource.unwrap_or(claims::PARTNER_CENTER_RESOURCE);
        let lifetime = req.expires_in.unwrap_or(ACCESS_TOKEN_SECS);
        if !(1..=MAX_MINTED_SECS).contains(&lifetime) {
            return Err(FieldError::new("expiresIn", format!("must be 1 to {MAX_MINTED_SECS} seconds")).into());
        }
        let user = match req.user_id {
            None => None,
            Some(who) => {
                let mut c = self.store.conn().await?;
                let found = who.find(&mut c, sandbox).await?;
                Some(found.ok_or_else(|| CoreError::NotFound {
                    what: "user",
                    id: who.shown(),
                    field: Some("userId".into()),
                })?)
            }
        };
        if user.is_none() && req.mfa {
            return Err(FieldError::new("mfa", "only a user token can carry mfa").into());
        }
        let who = user.as_ref().map(|u| UserClaims {
            id: u.id,
            upn: u.user_principal_name.clone(),
            name: u.display_name.clone(),
            mfa: req.mfa,
        });
        let now = self.sandbox_now(&sb).timestamp();
        let uti = opaque(self.random.as_ref(), 16);
        let claims = claims::access_token(&AccessTokenSpec {
            issuer_base,
            tenant_id: user.as_ref().map(|u| u.tenant_id).unwrap_or(app.tenant_id),
            resource,
            client_id: app.client_id,
            confidential: app.secret_hash.is_some(),
            user: who.as_ref(),
            issued_at: now,
            lifetime_secs: lifetime,
            uti: &uti,
        });
        let keys = self.keyset_for(sandbox).await?;
        let token = keys.active().sign(&claims).map_err(|e| {
            tracing::error!(error = %e, "signing failed");
            CoreError::Store(store::StoreError::Corrupt("signing failed".into()))
        })?;
        let mut out = Map::new();
        out.insert("token_type".into(), json!("Bearer"));
        out.insert("expires_in".into(), json!(lifetime));
        out.insert("expires_on".into(), json!(now + lifetime));
        out.insert("resource".into(), json!(resource.audience));
        out.insert("access_token".into(), json!(token));
        Ok(out)
    }
}
