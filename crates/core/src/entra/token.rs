//! The token endpoint: one function per grant, claims from `identity::claims`, times from the
//! sandbox clock.

use std::collections::HashMap;
use std::sync::Arc;

use domain::lockout::Factor;
use domain::world::{App, SignInLockout, User};
use domain::{AppId, MfaState, SandboxId, TenantId, UserId};
use identity::claims::{self, AccessTokenSpec, UserClaims};
use identity::secrets;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use store::oauth::{Kind, NewGrant};

use super::scopes::{self, Requested};
use super::{key_hash, opaque, EntraError, TenantPath, ACCESS_TOKEN_SECS, REFRESH_TOKEN_SECS};
use crate::uow::Write;
use crate::Core;

pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A token request as the HTTP layer parsed it.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub form: HashMap<String, String>,
    /// Client credentials from HTTP Basic, when sent that way.
    pub basic: Option<(String, String)>,
    /// 1 for `/oauth2/token`, 2 for `/oauth2/v2.0/token`.
    pub endpoint_version: u8,
    pub issuer_base: String,
}

impl TokenRequest {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.form.get(k).map(String::as_str).filter(|v| !v.is_empty())
    }
    fn need(&self, k: &str) -> Result<&str, EntraError> {
        self.get(k).ok_or_else(|| EntraError::missing(k))
    }
}

/// What a code, refresh token or device code stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredGrant {
    pub client_id: AppId,
    pub tenant_id: Option<TenantId>,
    pub user_id: Option<UserId>,
    pub mfa: bool,
    /// The v2 scope or v1 resource asked for at the start.
    pub scope: String,
    pub endpoint_version: u8,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub redirect_uri: Option<String>,
    #[serde(default)]
    pub code_challenge: Option<String>,
    #[serde(default)]
    pub code_challenge_method: Option<String>,
    /// The line of refresh tokens this one belongs to: each redemption's successor keeps it, so
    /// a replayed (already redeemed) one revokes every successor (OAuth 2.0 Security BCP 4.14).
    #[serde(default)]
    pub family: Option<String>,
}

struct Caller {
    sandbox: SandboxId,
    app: Arc<App>,
}

/// What a redeemed grant becomes: tokens for its user, and maybe a new refresh token.
struct Redeemed {
    user: User,
    grant: StoredGrant,
}

impl Core {
    pub async fn token(&self, path: &TenantPath, req: &TokenRequest) -> Result<Map<String, Value>, EntraError> {
        let client_id = req
            .get("client_id")
            .map(str::to_owned)
            .or_else(|| req.basic.as_ref().map(|b| b.0.clone()))
            .ok_or_else(|| EntraError::missing("client_id"))?;
        let (sandbox, app) = self.client_app(path, &client_id).await?;
        let secret = req
            .get("client_secret")
            .map(str::to_owned)
            .or_else(|| req.basic.as_ref().map(|b| b.1.clone()));
        match (&app.secret_hash, secret) {
            (None, Some(_)) => return Err(EntraError::public_client_with_secret()),
            (Some(_), None) => return Err(EntraError::secret_required()),
            (Some(hash), Some(s)) if !secrets::verify(hash, &s) => {
                return Err(EntraError::bad_client_secret(&client_id).because(format!(
                    "The secret is not the one app {client_id} ({}) was created with.",
                    app.display_name
                )))
            }
            _ => {}
        }
        let caller = Caller { sandbox, app };
        match req.need("grant_type")? {
            "client_credentials" => self.client_credentials(path, req, &caller).await,
            "password" => self.password_grant(path, req, &caller).await,
            "authorization_code" => self.code_grant(req, &caller).await,
            "refresh_token" => self.refresh_grant(req, &caller).await,
            DEVICE_CODE_GRANT | "device_code" => self.device_grant(req, &caller).await,
            other => Err(EntraError::unsupported_grant(other)),
        }
    }

    fn requested(
        &self,
        req: &TokenRequest,
        tenant_label: &str,
        fallback: Option<&str>,
    ) -> Result<Requested, EntraError> {
        if req.endpoint_version == 1 {
            let r = req.get("resource").or(fallback).unwrap_or_default();
            scopes::from_resource(r, tenant_label)
        } else {
            let s = req.get("scope").or(fallback).unwrap_or_default();
            scopes::from_scope(s, tenant_label)
        }
    }

    /// App-only tokens: no SQLite round trip while the sandbox is unchanged (its app, tenant and
    /// clock are cached reads), so issuance costs what RSA signing costs.
    async fn client_credentials(
        &self,
        path: &TenantPath,
        req: &TokenRequest,
        c: &Caller,
    ) -> Result<Map<String, Value>, EntraError> {
        if c.app.secret_hash.is_none() {
            return Err(EntraError::secret_required());
        }
        let requested = self.requested(req, &path.label(), None)?;
        if req.endpoint_version == 2 && !requested.default {
            return Err(EntraError::scope_needs_default(req.get("scope").unwrap_or_default()));
        }
        let tenant = match path {
            TenantPath::Specific { tenant, .. } => tenant.id,
            TenantPath::Any(_) => c.app.tenant_id,
        };
        // A customer's tenant takes an app only once consented (the home tenant: no lookup).
        self.app_only_allowed(
            c.sandbox,
            c.app.client_id,
            c.app.tenant_id,
            tenant,
            identity::claims::app_id_of(requested.resource.audience),
        )
        .await?;
        let now = self.sandbox_now(&*self.identity_sandbox(c.sandbox).await?).timestamp();
        let uti = opaque(self.random.as_ref(), 16);
        let claims = claims::access_token(&AccessTokenSpec {
            issuer_base: &req.issuer_base,
            tenant_id: tenant,
            resource: requested.resource,
            client_id: c.app.client_id,
            confidential: true,
            user: None,
            issued_at: now,
            lifetime_secs: ACCESS_TOKEN_SECS,
            uti: &uti,
        });
        let mut out = self
            .token_response(c.sandbox, &claims, &requested, req.endpoint_version, now)
            .await?;
        out.remove("scope");
        Ok(out)
    }

    /// ROPC. Wrong passwords count towards the user's lockout (Entra's smart lockout); a locked
    /// account is refused with AADSTS50053 even with the right password.
    async fn password_grant(
        &self,
        path: &TenantPath,
        req: &TokenRequest,
        c: &Caller,
    ) -> Result<Map<String, Value>, EntraError> {
        let username = req.need("username")?.trim().to_lowercase();
        let password = req.need("password")?;
        let requested = self.requested(req, &path.label(), None)?;
        let mut w = self.grant_write(c.sandbox).await?;
        let now = w.now.timestamp();
        let user = store::world::user_by_upn(w.c(), c.sandbox, &username)
            .await?
            .ok_or_else(|| {
                EntraError::user_not_found(&path.label()).because(format!("The sandbox has no user {username}."))
            })?;
        let mut guest_of = None;
        if let TenantPath::Specific { tenant, .. } = path {
            if tenant.id != user.tenant_id {
                let now = w.now;
                self.gdap_sign_in(w.c(), c.sandbox, &user, tenant.id, now, &req.issuer_base)
                    .await?;
                guest_of = Some(tenant.id);
            }
        }
        let lockout = w.sandbox.sign_in_lockout == SignInLockout::On;
        let mut guard = store::world::guard(w.c(), user.id).await?;
        let locked = |until: i64| {
            EntraError::account_locked().because(format!(
                "{username} is locked until {} (sandbox clock) after {} wrong passwords or codes; smart lockout is on for this sandbox (signInLockout).",
                chrono::DateTime::from_timestamp(until, 0).map(|t| t.to_rfc3339()).unwrap_or_default(),
                guard.failed_passwords
            ))
        };
        if lockout {
            if let Some(until) = guard.locked(now) {
                return Err(locked(until));
            }
        }
        if !secrets::verify(&user.password_hash, password) {
            if lockout {
                let until = guard.failed(Factor::Password, now);
                store::world::set_guard(w.c(), user.id, &guard).await?;
                w.commit().await?;
                if let Some(until) = until {
                    return Err(EntraError::account_locked().because(format!(
                        "That wrong password was one too many: {username} is locked until {} (sandbox clock).",
                        chrono::DateTime::from_timestamp(until, 0)
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_default()
                    )));
                }
            }
            return Err(EntraError::bad_password().because(format!(
                "The password is not the one {username} was created with (failed passwords in a row: {}).",
                guard.failed_passwords
            )));
        }
        if guard.failed_passwords > 0 {
            guard.passed(Factor::Password);
            store::world::set_guard(w.c(), user.id, &guard).await?;
        }
        // ROPC cannot do a second factor: Entra refuses users who must use one.
        match user.mfa {
            MfaState::Registered => {
                w.commit().await?;
                return Err(EntraError::mfa_required(requested.resource.audience).because(format!(
                    "{username} has MFA registered, and the password grant (ROPC) has no second factor: \
                     sign in with the authorization code or device code flow and the TOTP step."
                )));
            }
            MfaState::RequiredUnregistered => {
                w.commit().await?;
                return Err(
                    EntraError::mfa_registration_required(requested.resource.audience).because(format!(
                        "{username} must register MFA (required-unregistered) before any token: sign in \
                     interactively once to register an authenticator."
                    )),
                );
            }
            MfaState::Unregistered => {}
        }
        let grant = StoredGrant {
            client_id: c.app.client_id,
            tenant_id: Some(guest_of.unwrap_or(user.tenant_id)),
            user_id: Some(user.id),
            mfa: false,
            scope: req.get("scope").or(req.get("resource")).unwrap_or_default().to_owned(),
            endpoint_version: req.endpoint_version,
            nonce: None,
            redirect_uri: None,
            code_challenge: None,
            code_challenge_method: None,
            family: None,
        };
        let out = self
            .user_tokens(&mut w, c, &Redeemed { user, grant }, &requested, req)
            .await?;
        w.commit().await?;
        Ok(out)
    }

    /// An authorization code: checked, redeemed and answered in one transaction, so a code is
    /// good for exactly one token response.
    async fn code_grant(&self, req: &TokenRequest, c: &Caller) -> Result<Map<String, Value>, EntraError> {
        let code = req.need("code")?;
        let mut w = self.grant_write(c.sandbox).await?;
        let (row, grant) = owned_grant(&mut w, Kind::Code, code, c).await?;
        if row.status == "redeemed" {
            return Err(EntraError::code_redeemed());
        }
        if w.now.timestamp() >= row.expires_at {
            return Err(EntraError::grant_expired());
        }
        let redirect = req.get("redirect_uri").unwrap_or_default();
        if grant.redirect_uri.as_deref().is_some_and(|r| r != redirect) {
            return Err(EntraError::redirect_mismatch(redirect, &c.app.client_id.to_string()));
        }
        if let Some(challenge) = &grant.code_challenge {
            let method = identity::pkce::Method::parse(grant.code_challenge_method.as_deref())
                .unwrap_or(identity::pkce::Method::Plain);
            let verifier = req.get("code_verifier").unwrap_or_default();
            if !identity::pkce::matches(method, challenge, verifier) {
                return Err(EntraError::pkce_mismatch());
            }
        }
        if !store::oauth::transition(w.c(), Kind::Code, &row.key_hash, "pending", "redeemed", &row.data).await? {
            return Err(EntraError::code_redeemed());
        }
        self.redeem(w, req, c, grant, false).await
    }

    /// A refresh token: single-use. Redeeming it marks it used and issues a new one in the same
    /// transaction; a second redemption (a replay, or the loser of two racing requests) is refused.
    async fn refresh_grant(&self, req: &TokenRequest, c: &Caller) -> Result<Map<String, Value>, EntraError> {
        let token = req.need("refresh_token")?;
        let mut w = self.grant_write(c.sandbox).await?;
        let (row, grant) = owned_grant(&mut w, Kind::Refresh, token, c).await?;
        if row.status == "redeemed" {
            // A spent token used again: stolen, or its successor is. Every token of its line
            // goes, so a thief's successor dies with the replay.
            if let Some(family) = &grant.family {
                store::oauth::revoke_family(w.c(), c.sandbox, family).await?;
                w.commit().await?;
            }
            return Err(EntraError::refresh_token_redeemed());
        }
        if row.status == "replayed" {
            return Err(EntraError::injected(50173, &c.app.client_id.to_string()).because(
                "A refresh token of this line was used again after it had been redeemed (a replay), so every refresh token of the line was revoked (OAuth 2.0 Security BCP): sign in again.",
            ));
        }
        if row.status == "revoked" {
            return Err(EntraError::injected(50173, &c.app.client_id.to_string()).because(
                "The user's sessions were revoked (the revoke-sessions action) after this refresh token was issued.",
            ));
        }
        if w.now.timestamp() >= row.expires_at {
            return Err(EntraError::grant_expired());
        }
        if !store::oauth::transition(w.c(), Kind::Refresh, &row.key_hash, "pending", "redeemed", &row.data).await? {
            return Err(EntraError::refresh_token_redeemed());
        }
        // The old one is spent: the answer always carries its successor (as Entra's does).
        self.redeem(w, req, c, grant, true).await
    }

    async fn device_grant(&self, req: &TokenRequest, c: &Caller) -> Result<Map<String, Value>, EntraError> {
        let code = req
            .get("device_code")
            .or(req.get("code"))
            .ok_or_else(|| EntraError::missing("device_code"))?;
        let mut w = self.grant_write(c.sandbox).await?;
        let (row, grant) = owned_grant(&mut w, Kind::Device, code, c).await?;
        if w.now.timestamp() >= row.expires_at {
            return Err(EntraError::device_code_expired());
        }
        match row.status.as_str() {
            "approved" => {}
            "declined" => return Err(EntraError::authorization_declined()),
            "redeemed" => return Err(EntraError::code_redeemed()),
            _ => return Err(EntraError::authorization_pending()),
        }
        if !store::oauth::transition(w.c(), Kind::Device, &row.key_hash, "approved", "redeemed", &row.data).await? {
            return Err(EntraError::code_redeemed());
        }
        self.redeem(w, req, c, grant, false).await
    }

    /// Tokens for the user a code, refresh token or device code stands for, in the transaction
    /// that redeemed it. Entra's refresh tokens are multi-resource, so a new `scope` may name
    /// another API.
    async fn redeem(
        &self,
        mut w: Write<'_>,
        req: &TokenRequest,
        c: &Caller,
        grant: StoredGrant,
        refresh: bool,
    ) -> Result<Map<String, Value>, EntraError> {
        let uid = grant.user_id.ok_or_else(EntraError::malformed_grant)?;
        // A user deleted (by a reset) since the grant was made can no longer redeem it.
        let user = store::world::user(w.c(), uid)
            .await?
            .filter(|(s, _)| *s == c.sandbox)
            .map(|(_, u)| u)
            .ok_or_else(EntraError::malformed_grant)?;
        let mut requested = self.requested(req, "", Some(&grant.scope))?;
        requested.offline |= refresh;
        let out = self
            .user_tokens(&mut w, c, &Redeemed { user, grant }, &requested, req)
            .await?;
        w.commit().await?;
        Ok(out)
    }

    /// Access token, refresh token (rotating), ID token and client_info for a signed-in user.
    async fn user_tokens(
        &self,
        w: &mut Write<'_>,
        c: &Caller,
        r: &Redeemed,
        requested: &Requested,
        req: &TokenRequest,
    ) -> Result<Map<String, Value>, EntraError> {
        let (user, grant) = (&r.user, &r.grant);
        let now = w.now.timestamp();
        let tenant = grant.tenant_id.unwrap_or(user.tenant_id);
        let who = UserClaims {
            id: user.id,
            upn: user.user_principal_name.clone(),
            name: user.display_name.clone(),
            mfa: grant.mfa,
        };
        let uti = opaque(self.random.as_ref(), 16);
        let mut claims = claims::access_token(&AccessTokenSpec {
            issuer_base: &req.issuer_base,
            tenant_id: tenant,
            resource: requested.resource,
            client_id: c.app.client_id,
            confidential: c.app.secret_hash.is_some(),
            user: Some(&who),
            issued_at: now,
            lifetime_secs: ACCESS_TOKEN_SECS,
            uti: &uti,
        });
        // A partner user in a customer's tenant (GDAP): checked again at every issuance, so a
        // relationship or assignment that ended stops the next token (refresh included).
        if tenant != user.tenant_id {
            let at = w.now;
            let roles = self
                .gdap_sign_in(w.c(), c.sandbox, user, tenant, at, &req.issuer_base)
                .await?;
            claims.insert(
                "idp".into(),
                json!(format!("https://sts.windows.net/{}/", user.tenant_id)),
            );
            claims.insert("wids".into(), json!(roles));
        }
        // Microsoft Graph with named permissions: scp is what was asked for (`.default` gives
        // the app's configured permissions).
        if requested.resource == claims::GRAPH_RESOURCE && !requested.default {
            let named: Vec<&str> = requested
                .scope
                .split_whitespace()
                .filter_map(|s| s.rsplit_once('/').map(|(_, p)| p))
                .collect();
            if !named.is_empty() {
                claims.insert("scp".into(), json!(named.join(" ")));
            }
        }
        let mut out = self
            .token_response(c.sandbox, &claims, requested, req.endpoint_version, now)
            .await?;
        if requested.openid {
            let id = claims::id_token(
                &req.issuer_base,
                tenant,
                c.app.client_id,
                &who,
                grant.nonce.as_deref(),
                now,
                ACCESS_TOKEN_SECS,
            );
            out.insert("id_token".into(), json!(self.sign(c.sandbox, &id).await?));
        }
        out.insert("client_info".into(), json!(claims::client_info(user.id, tenant)));
        if requested.offline {
            let refresh = opaque(self.random.as_ref(), 48);
            let mut successor = grant.clone();
            successor.family.get_or_insert_with(|| opaque(self.random.as_ref(), 16));
            let data = serde_json::to_string(&successor).map_err(|_| EntraError::server_error())?;
            store::oauth::insert(
                w.c(),
                NewGrant {
                    kind: Kind::Refresh,
                    key_hash: &key_hash(&refresh),
                    sandbox: c.sandbox,
                    data: &data,
                    user_code: None,
                    expires_at: now + REFRESH_TOKEN_SECS,
                    bucket: None,
                },
                now,
                GRANT_CAPS,
            )
            .await?;
            out.insert("refresh_token".into(), json!(refresh));
            out.insert("refresh_token_expires_in".into(), json!(REFRESH_TOKEN_SECS));
        }
        Ok(out)
    }

    /// Signs with the sandbox's active key (its own after a rollover, else the server's).
    pub(crate) async fn sign(&self, sandbox: SandboxId, claims: &Map<String, Value>) -> Result<String, EntraError> {
        self.keyset_for(sandbox).await?.active().sign(claims).map_err(|e| {
            tracing::error!(error = %e, "signing failed");
            EntraError::server_error()
        })
    }

    /// The common fields of a token response (v1 adds its string-typed extras).
    async fn token_response(
        &self,
        sandbox: SandboxId,
        claims: &Map<String, Value>,
        requested: &Requested,
        endpoint_version: u8,
        now: i64,
    ) -> Result<Map<String, Value>, EntraError> {
        let mut out = Map::new();
        out.insert("token_type".into(), json!("Bearer"));
        if endpoint_version == 1 {
            out.insert("expires_in".into(), json!(ACCESS_TOKEN_SECS.to_string()));
            out.insert("ext_expires_in".into(), json!(ACCESS_TOKEN_SECS.to_string()));
            out.insert("expires_on".into(), json!((now + ACCESS_TOKEN_SECS).to_string()));
            out.insert("not_before".into(), json!(now.to_string()));
            out.insert("resource".into(), json!(requested.resource.audience));
        } else {
            out.insert("scope".into(), json!(requested.scope));
            out.insert("expires_in".into(), json!(ACCESS_TOKEN_SECS));
            out.insert("ext_expires_in".into(), json!(ACCESS_TOKEN_SECS));
        }
        out.insert("access_token".into(), json!(self.sign(sandbox, claims).await?));
        Ok(out)
    }
}

/// How many grants a sandbox may hold (see [`domain::limits`]).
pub(crate) const GRANT_CAPS: store::oauth::Caps = store::oauth::Caps {
    pending: domain::limits::MAX_PENDING_SIGN_INS,
    total: domain::limits::MAX_GRANTS,
    per_bucket: domain::limits::MAX_PENDING_SIGN_INS_PER_CLIENT,
};

/// A stored grant of this sandbox and this client, found by its secret value; anything else
/// is indistinguishable from a made-up value (AADSTS9002313).
async fn owned_grant(
    w: &mut Write<'_>,
    kind: Kind,
    secret: &str,
    c: &Caller,
) -> Result<(store::oauth::GrantRow, StoredGrant), EntraError> {
    let row = store::oauth::get(w.c(), kind, &key_hash(secret))
        .await?
        .ok_or_else(EntraError::malformed_grant)?;
    let grant: StoredGrant = serde_json::from_str(&row.data).map_err(|_| EntraError::malformed_grant())?;
    if row.sandbox_id != c.sandbox || grant.client_id != c.app.client_id {
        return Err(EntraError::malformed_grant());
    }
    Ok((row, grant))
}
