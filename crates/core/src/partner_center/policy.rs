//! Sandbox powers over the Partner Center API: the MFA policy and tokens minted directly.

use domain::world::MfaEnforcement;
use domain::{AppId, FieldError, TenantId, UserId};
use identity::claims::{self, AccessTokenSpec, UserClaims};
use serde_json::{json, Map, Value};

use crate::entra::{opaque, ACCESS_TOKEN_SECS};
use crate::error::{CoreError, Result};
use crate::Core;

/// What `POST /sandbox/v1/sandboxes/{sid}/tokens` asks for.
#[derive(Debug, Clone)]
pub struct MintRequest {
    pub client_id: String,
    pub user_id: Option<String>,
    /// Put `mfa` in `amr` (user tokens only).
    pub mfa: bool,
    /// `https://api.partnercenter.microsoft.com` unless given (a resource URI or app id).
    pub audience: Option<String>,
    pub expires_in: Option<i64>,
}

/// Longest lifetime a minted token may ask for (a day).
pub const MAX_MINTED_SECS: i64 = 86_400;

impl Core {
    pub async fn set_mfa_enforcement(&self, id_or_name: &str, e: MfaEnforcement) -> Result<()> {
        let sb = self.find_sandbox(id_or_name).await?;
        let mut tx = self.store.begin().await?;
        store::sandboxes::set_mfa_enforcement(&mut tx, sb.id, e).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        self.changed();
        Ok(())
    }

    pub async fn set_mfa_exception(&self, id_or_name: &str, tenant: TenantId, granted: bool) -> Result<()> {
        let sb = self.find_sandbox(id_or_name).await?;
        let mut tx = self.store.begin().await?;
        store::world::tenant(&mut tx, sb.id, tenant)
            .await?
            .ok_or_else(|| CoreError::not_found("tenant", tenant))?;
        store::world::set_tenant_mfa_exception(&mut tx, tenant, granted).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        self.changed();
        Ok(())
    }

    /// Mints an access token as the token endpoint would, with the claims asked for and no sign-in.
    /// Clearly a sandbox power: no Entra endpoint does this.
    pub async fn mint_token(
        &self,
        id_or_name: &str,
        req: MintRequest,
        issuer_base: &str,
    ) -> Result<Map<String, Value>> {
        let sb = self.find_sandbox(id_or_name).await?;
        let unknown_app = || CoreError::NotFound {
            what: "app",
            id: req.client_id.clone(),
            field: Some("clientId".into()),
        };
        let client: AppId = req.client_id.trim().parse().map_err(|_| unknown_app())?;
        let (app_sandbox, app) = self.store.app(client).await?.ok_or_else(unknown_app)?;
        if app_sandbox != sb.id {
            return Err(unknown_app());
        }
        let resource = match &req.audience {
            None => claims::PARTNER_CENTER_RESOURCE,
            Some(a) => claims::resource(a).ok_or_else(|| {
                FieldError::new(
                    "audience",
                    format!("'{a}' is not a resource pcsandbox issues tokens for"),
                )
            })?,
        };
        let lifetime = req.expires_in.unwrap_or(ACCESS_TOKEN_SECS);
        if !(1..=MAX_MINTED_SECS).contains(&lifetime) {
            return Err(FieldError::new("expiresIn", format!("must be 1 to {MAX_MINTED_SECS} seconds")).into());
        }
        let user = match &req.user_id {
            None => None,
            Some(id) => {
                let unknown = || CoreError::NotFound {
                    what: "user",
                    id: id.clone(),
                    field: Some("userId".into()),
                };
                let uid: UserId = id.trim().parse().map_err(|_| unknown())?;
                let u = self.store.user(uid).await?.ok_or_else(unknown)?;
                if self.store.tenant_sandbox(u.tenant_id).await? != Some(sb.id) {
                    return Err(unknown());
                }
                Some(u)
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
        let token = self.keys.active().sign(&claims).map_err(|e| {
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
