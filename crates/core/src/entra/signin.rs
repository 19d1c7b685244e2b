//! Interactive sign-in: `/authorize` starts a flow, the sign-in page takes the password, then a
//! TOTP code (or registers an authenticator first), and the flow ends with a code sent to the
//! redirect URI, or with an approved device code.

use std::collections::HashMap;

use domain::{AppId, MfaState, SandboxId, UserId};
use identity::{secrets, totp};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use store::oauth::{Kind, NewGrant};

use super::token::StoredGrant;
use super::{
    key_hash, opaque, EntraError, TenantPath, AUTH_CODE_SECS, DEVICE_CODE_SECS, DEVICE_POLL_SECS, SIGN_IN_SECS,
};
use crate::Core;

/// A sign-in in progress, kept server-side and named by an opaque id in the page's form.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Flow {
    /// `Some` for a device-code sign-in: the hash of the device code to approve.
    device_key: Option<String>,
    client_id: AppId,
    app_name: String,
    tenant: Option<domain::TenantId>,
    redirect_uri: Option<String>,
    scope: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    response_mode: Option<String>,
    endpoint_version: u8,
    user: Option<UserId>,
    /// A TOTP secret shown for registration, not yet confirmed.
    pending_secret: Option<String>,
}

/// What the sign-in page shows next, or where the browser goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Password {
        flow: String,
        app: String,
        username: String,
        error: Option<String>,
    },
    Totp {
        flow: String,
        app: String,
        username: String,
        error: Option<String>,
    },
    Register {
        flow: String,
        app: String,
        username: String,
        secret: String,
        otpauth: String,
        error: Option<String>,
    },
    Redirect(String),
    FormPost {
        action: String,
        fields: Vec<(String, String)>,
    },
    DeviceApproved {
        app: String,
    },
}

/// An /authorize request that cannot be sent back to the client (bad client or redirect URI)
/// is shown on the page; one that can is sent to the redirect URI as `error=...`.
#[derive(Debug)]
pub enum AuthorizeError {
    Show(EntraError),
    Redirect(String),
}

fn redirect_with(uri: &str, mode: Option<&str>, params: &[(&str, &str)]) -> Step {
    if mode == Some("form_post") {
        return Step::FormPost {
            action: uri.to_owned(),
            fields: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
    }
    let sep = if mode == Some("fragment") {
        '#'
    } else if uri.contains('?') {
        '&'
    } else {
        '?'
    };
    let q = serde_urlencoded_pairs(params);
    Step::Redirect(format!("{uri}{sep}{q}"))
}

fn serde_urlencoded_pairs(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn otpauth(upn: &str, secret: &str) -> String {
    format!(
        "otpauth://totp/pcsandbox:{}?secret={secret}&issuer=pcsandbox&algorithm=SHA1&digits=6&period=30",
        pct(upn)
    )
}

impl Core {
    /// `GET /{tenant}/oauth2[/v2.0]/authorize`: checks client and redirect URI, starts a flow.
    pub async fn authorize(
        &self,
        path: &TenantPath,
        q: &HashMap<String, String>,
        endpoint_version: u8,
    ) -> Result<Step, AuthorizeError> {
        let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let client_id = get("client_id").ok_or_else(|| AuthorizeError::Show(EntraError::missing("client_id")))?;
        let (sandbox, app) = self.client_app(path, client_id).await.map_err(AuthorizeError::Show)?;
        let redirect = get("redirect_uri")
            .map(str::to_owned)
            .or_else(|| app.redirect_uris.first().cloned())
            .ok_or_else(|| AuthorizeError::Show(EntraError::missing("redirect_uri")))?;
        if !app.redirect_uris.contains(&redirect) {
            return Err(AuthorizeError::Show(EntraError::redirect_mismatch(
                &redirect, client_id,
            )));
        }
        let mode = get("response_mode");
        let state = get("state");
        let fail = |e: EntraError| {
            let desc = format!("AADSTS{}: {}", e.code, e.description);
            let mut p = vec![("error", e.error), ("error_description", desc.as_str())];
            if let Some(s) = state {
                p.push(("state", s));
            }
            match redirect_with(&redirect, mode, &p) {
                Step::Redirect(u) => AuthorizeError::Redirect(u),
                _ => AuthorizeError::Show(e),
            }
        };
        let response_type = get("response_type").unwrap_or_default();
        if response_type != "code" {
            return Err(fail(EntraError::unsupported_response_type(response_type)));
        }
        let scope = if endpoint_version == 1 {
            get("resource")
        } else {
            get("scope")
        }
        .unwrap_or("openid profile")
        .to_owned();
        let check = if endpoint_version == 1 {
            super::scopes::from_resource(&scope, &path.label())
        } else {
            super::scopes::from_scope(&scope, &path.label())
        };
        check.map_err(fail)?;
        let method = get("code_challenge_method");
        if get("code_challenge").is_some() && identity::pkce::Method::parse(method).is_none() {
            return Err(fail(EntraError::invalid_scope("code_challenge_method")));
        }
        let flow = Flow {
            device_key: None,
            client_id: app.client_id,
            app_name: app.display_name.clone(),
            tenant: match path {
                TenantPath::Specific { tenant, .. } => Some(tenant.id),
                TenantPath::Any(_) => None,
            },
            redirect_uri: Some(redirect),
            scope,
            state: state.map(str::to_owned),
            nonce: get("nonce").map(str::to_owned),
            code_challenge: get("code_challenge").map(str::to_owned),
            code_challenge_method: method.map(str::to_owned),
            response_mode: mode.map(str::to_owned),
            endpoint_version,
            user: None,
            pending_secret: None,
        };
        let username = get("login_hint").unwrap_or_default().to_owned();
        let id = self.save_new_flow(sandbox, &flow).await.map_err(AuthorizeError::Show)?;
        Ok(Step::Password {
            flow: id,
            app: app.display_name,
            username,
            error: None,
        })
    }

    async fn save_new_flow(&self, sandbox: SandboxId, flow: &Flow) -> Result<String, EntraError> {
        let id = opaque(self.random.as_ref(), 32);
        let now = self.sandbox_unix_now(sandbox).await?;
        let data = serde_json::to_string(flow).map_err(|_| EntraError::server_error())?;
        let mut tx = self.store.begin().await?;
        store::oauth::insert(
            &mut tx,
            NewGrant {
                kind: Kind::Flow,
                key_hash: &key_hash(&id),
                sandbox,
                data: &data,
                user_code: None,
                expires_at: now + SIGN_IN_SECS,
            },
        )
        .await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(id)
    }

    async fn load_flow(&self, id: &str) -> Result<(SandboxId, Flow, i64), EntraError> {
        let mut tx = self.store.begin().await?;
        let row = store::oauth::get(&mut tx, Kind::Flow, &key_hash(id))
            .await?
            .ok_or_else(EntraError::sign_in_expired)?;
        drop(tx);
        let now = self.sandbox_unix_now(row.sandbox_id).await?;
        if row.status != "pending" || now >= row.expires_at {
            return Err(EntraError::sign_in_expired());
        }
        let flow: Flow = serde_json::from_str(&row.data).map_err(|_| EntraError::sign_in_expired())?;
        Ok((row.sandbox_id, flow, now))
    }

    async fn store_flow(&self, id: &str, flow: &Flow, status: &str) -> Result<(), EntraError> {
        let data = serde_json::to_string(flow).map_err(|_| EntraError::server_error())?;
        let mut tx = self.store.begin().await?;
        store::oauth::update(&mut tx, Kind::Flow, &key_hash(id), &data, status).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(())
    }

    /// The password step of the sign-in page.
    pub async fn sign_in_password(&self, flow_id: &str, username: &str, password: &str) -> Result<Step, EntraError> {
        let (sandbox, mut flow, now) = self.load_flow(flow_id).await?;
        let upn = username.trim().to_lowercase();
        let again = |msg: &str| Step::Password {
            flow: flow_id.to_owned(),
            app: flow.app_name.clone(),
            username: username.to_owned(),
            error: Some(msg.to_owned()),
        };
        let Some((user, _)) = self.store.user_by_upn(sandbox, &upn).await? else {
            return Ok(again("AADSTS50034: We couldn't find an account with that username."));
        };
        if flow.tenant.is_some_and(|t| t != user.tenant_id) {
            return Ok(again(
                "AADSTS50034: We couldn't find an account with that username in this tenant.",
            ));
        }
        if !secrets::verify(&user.password_hash, password) {
            return Ok(again("AADSTS50126: Your account or password is incorrect."));
        }
        flow.user = Some(user.id);
        let app = flow.app_name.clone();
        match user.mfa {
            MfaState::Unregistered => self.finish(flow_id, sandbox, flow, false, now).await,
            MfaState::Registered => {
                self.store_flow(flow_id, &flow, "pending").await?;
                Ok(Step::Totp {
                    flow: flow_id.to_owned(),
                    app,
                    username: user.user_principal_name,
                    error: None,
                })
            }
            MfaState::RequiredUnregistered => {
                let secret = secrets::generate_totp_secret(self.random.as_ref());
                flow.pending_secret = Some(secret.clone());
                self.store_flow(flow_id, &flow, "pending").await?;
                Ok(Step::Register {
                    flow: flow_id.to_owned(),
                    app,
                    otpauth: otpauth(&user.user_principal_name, &secret),
                    username: user.user_principal_name,
                    secret,
                    error: None,
                })
            }
        }
    }

    /// The verification-code step: a TOTP code of the user's authenticator, or, during
    /// registration, of the secret just shown.
    pub async fn sign_in_code(&self, flow_id: &str, code: &str) -> Result<Step, EntraError> {
        let (sandbox, flow, now) = self.load_flow(flow_id).await?;
        let user_id = flow.user.ok_or_else(EntraError::sign_in_expired)?;
        let user = self
            .store
            .user(user_id)
            .await?
            .ok_or_else(EntraError::sign_in_expired)?;
        let registering = flow.pending_secret.clone();
        let Some(secret) = registering.clone().or(user.totp_secret.clone()) else {
            return Err(EntraError::sign_in_expired());
        };
        let mut tx = self.store.begin().await?;
        let last = store::world::totp_last_step(&mut tx, user.id).await?;
        match totp::verify(&secret, code, now, last) {
            Ok(step) => {
                store::world::set_totp(&mut tx, user.id, &secret, MfaState::Registered, step).await?;
                tx.commit().await.map_err(store::StoreError::from)?;
                self.finish(flow_id, sandbox, flow, true, now).await
            }
            Err(e) => {
                drop(tx);
                let msg = match e {
                    totp::TotpError::Replayed => "That code was already used. Wait for the next code and try again.",
                    _ => "You didn't enter the expected verification code. Please try again.",
                };
                let (app, username) = (flow.app_name.clone(), user.user_principal_name.clone());
                Ok(match registering {
                    Some(secret) => Step::Register {
                        flow: flow_id.to_owned(),
                        app,
                        otpauth: otpauth(&username, &secret),
                        username,
                        secret,
                        error: Some(msg.into()),
                    },
                    None => Step::Totp {
                        flow: flow_id.to_owned(),
                        app,
                        username,
                        error: Some(msg.into()),
                    },
                })
            }
        }
    }

    /// Ends a flow: a code to the redirect URI, or the device code approved.
    async fn finish(
        &self,
        flow_id: &str,
        sandbox: SandboxId,
        flow: Flow,
        mfa: bool,
        now: i64,
    ) -> Result<Step, EntraError> {
        self.store_flow(flow_id, &flow, "done").await?;
        let user = flow.user.ok_or_else(EntraError::sign_in_expired)?;
        let grant = StoredGrant {
            client_id: flow.client_id,
            tenant_id: flow.tenant,
            user_id: Some(user),
            mfa,
            scope: flow.scope.clone(),
            endpoint_version: flow.endpoint_version,
            nonce: flow.nonce.clone(),
            redirect_uri: flow.redirect_uri.clone(),
            code_challenge: flow.code_challenge.clone(),
            code_challenge_method: flow.code_challenge_method.clone(),
        };
        let data = serde_json::to_string(&grant).map_err(|_| EntraError::server_error())?;
        let mut tx = self.store.begin().await?;
        if let Some(device_key) = &flow.device_key {
            store::oauth::update(&mut tx, Kind::Device, device_key, &data, "approved").await?;
            tx.commit().await.map_err(store::StoreError::from)?;
            return Ok(Step::DeviceApproved { app: flow.app_name });
        }
        let code = opaque(self.random.as_ref(), 48);
        store::oauth::insert(
            &mut tx,
            NewGrant {
                kind: Kind::Code,
                key_hash: &key_hash(&code),
                sandbox,
                data: &data,
                user_code: None,
                expires_at: now + AUTH_CODE_SECS,
            },
        )
        .await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        let redirect = flow.redirect_uri.unwrap_or_default();
        let mut params = vec![("code", code.as_str())];
        if let Some(s) = &flow.state {
            params.push(("state", s));
        }
        let session = user.to_string();
        params.push(("session_state", &session));
        Ok(redirect_with(&redirect, flow.response_mode.as_deref(), &params))
    }

    /// `POST /{tenant}/oauth2[/v2.0]/devicecode`.
    pub async fn device_authorization(
        &self,
        path: &TenantPath,
        form: &HashMap<String, String>,
        endpoint_version: u8,
        verification_uri: &str,
    ) -> Result<Map<String, Value>, EntraError> {
        let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let client_id = get("client_id").ok_or_else(|| EntraError::missing("client_id"))?;
        let (sandbox, app) = self.client_app(path, client_id).await?;
        let scope = if endpoint_version == 1 {
            get("resource")
        } else {
            get("scope")
        }
        .ok_or_else(|| EntraError::missing(if endpoint_version == 1 { "resource" } else { "scope" }))?;
        if endpoint_version == 1 {
            super::scopes::from_resource(scope, &path.label())?;
        } else {
            super::scopes::from_scope(scope, &path.label())?;
        }
        let device_code = opaque(self.random.as_ref(), 48);
        const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let user_code: String = self
            .random
            .bytes(9)
            .iter()
            .map(|b| LETTERS[*b as usize % LETTERS.len()] as char)
            .collect();
        let grant = StoredGrant {
            client_id: app.client_id,
            tenant_id: match path {
                TenantPath::Specific { tenant, .. } => Some(tenant.id),
                TenantPath::Any(_) => None,
            },
            user_id: None,
            mfa: false,
            scope: scope.to_owned(),
            endpoint_version,
            nonce: None,
            redirect_uri: None,
            code_challenge: None,
            code_challenge_method: None,
        };
        let data = serde_json::to_string(&grant).map_err(|_| EntraError::server_error())?;
        let now = self.sandbox_unix_now(sandbox).await?;
        let mut tx = self.store.begin().await?;
        store::oauth::insert(
            &mut tx,
            NewGrant {
                kind: Kind::Device,
                key_hash: &key_hash(&device_code),
                sandbox,
                data: &data,
                user_code: Some(&user_code),
                expires_at: now + DEVICE_CODE_SECS,
            },
        )
        .await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        let mut out = Map::new();
        out.insert("user_code".into(), json!(user_code));
        out.insert("device_code".into(), json!(device_code));
        out.insert("verification_uri".into(), json!(verification_uri));
        out.insert("expires_in".into(), json!(DEVICE_CODE_SECS));
        out.insert("interval".into(), json!(DEVICE_POLL_SECS));
        out.insert(
            "message".into(),
            json!(format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate.")),
        );
        Ok(out)
    }

    /// The device-login page: the code the user typed starts a sign-in for that device code.
    pub async fn device_login(&self, user_code: &str) -> Result<Step, EntraError> {
        let code: String = user_code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        let mut tx = self.store.begin().await?;
        let row = store::oauth::by_user_code(&mut tx, &code).await?;
        drop(tx);
        let invalid = || EntraError {
            status: 400,
            error: "invalid_request",
            code: 70019,
            description:
                "The code you entered has expired or is not valid. Get a new code from the application and try again."
                    .into(),
            suberror: None,
        };
        let row = row.ok_or_else(invalid)?;
        let now = self.sandbox_unix_now(row.sandbox_id).await?;
        if row.status != "pending" || now >= row.expires_at {
            return Err(invalid());
        }
        let grant: StoredGrant = serde_json::from_str(&row.data).map_err(|_| invalid())?;
        let app = self
            .store
            .app(grant.client_id)
            .await?
            .map(|(_, a)| a)
            .ok_or_else(invalid)?;
        let flow = Flow {
            device_key: Some(row.key_hash),
            client_id: grant.client_id,
            app_name: app.display_name.clone(),
            tenant: grant.tenant_id,
            redirect_uri: None,
            scope: grant.scope,
            state: None,
            nonce: None,
            code_challenge: None,
            code_challenge_method: None,
            response_mode: None,
            endpoint_version: grant.endpoint_version,
            user: None,
            pending_secret: None,
        };
        let id = self.save_new_flow(row.sandbox_id, &flow).await?;
        Ok(Step::Password {
            flow: id,
            app: app.display_name,
            username: String::new(),
            error: None,
        })
    }
}
