//! Interactive sign-in: `/authorize` starts a flow, the sign-in page takes the password, then a
//! TOTP code (or registers an authenticator first), and the flow ends with a code sent to the
//! redirect URI, or with an approved device code.

use std::collections::HashMap;

use domain::lockout::{Factor, CODES_PER_FLOW};
use domain::world::SignInLockout;
use domain::{AppId, MfaState, SandboxId, UserId};
use identity::{secrets, totp};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use store::oauth::{Kind, NewGrant};

use super::token::{StoredGrant, GRANT_CAPS};
use super::{
    key_hash, opaque, EntraError, TenantPath, AUTH_CODE_SECS, DEVICE_CODE_SECS, DEVICE_POLL_SECS, SIGN_IN_SECS,
};
use crate::uow::Write;
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
    /// The user the flow belongs to once the password step passed; it never changes after.
    user: Option<UserId>,
    /// A TOTP secret shown for registration, not yet confirmed; it is `user`'s alone.
    pending_secret: Option<String>,
    /// Wrong codes entered in this flow.
    #[serde(default)]
    code_failures: u32,
    /// The client asked for a second factor (`amr_values=mfa`, a step-up): a user without an
    /// authenticator registers one instead of signing in with the password alone.
    #[serde(default)]
    require_mfa: bool,
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
    /// The sign-in cannot go on (a locked account, too many wrong codes, a flow misused): the
    /// page shows the message; the flow is over.
    Stopped {
        code: u32,
        message: String,
    },
}

/// The sign-in page's words for a locked account (Entra's smart lockout page).
pub const LOCKED_TEXT: &str = "Your account is temporarily locked to prevent unauthorized use. Try again later, and if you still have trouble, contact your admin.";

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

/// Everything but RFC 3986 unreserved characters is percent-encoded.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn pct(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
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
            code_failures: 0,
            require_mfa: get("amr_values").is_some_and(|v| v.split([' ', ',']).any(|a| a == "mfa")),
        };
        let username = get("login_hint").unwrap_or_default().to_owned();
        let id = self.save_new_flow(sandbox, &flow).await.map_err(AuthorizeError::Show)?;
        Ok(Step::Password {
            flow: id,
            app: app.display_name.clone(),
            username,
            error: None,
        })
    }

    /// Stores a new flow (the oldest waiting ones give way past the bounds: see `store::oauth::insert`).
    async fn save_new_flow(&self, sandbox: SandboxId, flow: &Flow) -> Result<String, EntraError> {
        let id = opaque(self.random.as_ref(), 32);
        let data = serde_json::to_string(flow).map_err(|_| EntraError::server_error())?;
        let bucket = flow.client_id.to_string();
        let mut w = self.grant_write(sandbox).await?;
        let now = w.now.timestamp();
        store::oauth::insert(
            w.c(),
            NewGrant {
                kind: Kind::Flow,
                key_hash: &key_hash(&id),
                sandbox,
                data: &data,
                user_code: None,
                expires_at: now + SIGN_IN_SECS,
                bucket: Some(&bucket),
            },
            now,
            GRANT_CAPS,
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Opens a flow in a write: the flow, its sandbox's write, and the flow's key.
    async fn open_flow(&self, id: &str) -> Result<(Write<'_>, Flow, String), EntraError> {
        let hash = key_hash(id);
        let sandbox = {
            let mut c = self.store.conn().await?;
            store::oauth::get(&mut c, Kind::Flow, &hash)
                .await?
                .ok_or_else(EntraError::sign_in_expired)?
                .sandbox_id
        };
        let mut w = self.grant_write(sandbox).await?;
        let row = store::oauth::get(w.c(), Kind::Flow, &hash)
            .await?
            .ok_or_else(EntraError::sign_in_expired)?;
        if row.status != "pending" || w.now.timestamp() >= row.expires_at {
            return Err(EntraError::sign_in_expired());
        }
        let flow: Flow = serde_json::from_str(&row.data).map_err(|_| EntraError::sign_in_expired())?;
        Ok((w, flow, hash))
    }

    /// The password step of the sign-in page. Once it passes, the flow belongs to that user: a
    /// second password step on the same flow (to switch to another user after a registration
    /// secret was shown) ends the flow instead.
    pub async fn sign_in_password(&self, flow_id: &str, username: &str, password: &str) -> Result<Step, EntraError> {
        let (mut w, mut flow, hash) = self.open_flow(flow_id).await?;
        if flow.user.is_some() {
            end_flow(&mut w, &hash, &flow, "failed").await?;
            w.commit().await?;
            return Err(EntraError::sign_in_expired());
        }
        let upn = username.trim().to_lowercase();
        let again = |msg: &str| Step::Password {
            flow: flow_id.to_owned(),
            app: flow.app_name.clone(),
            username: username.to_owned(),
            error: Some(msg.to_owned()),
        };
        let sandbox = w.id();
        let Some(user) = store::world::user_by_upn(w.c(), sandbox, &upn).await? else {
            return Ok(again("AADSTS50034: We couldn't find an account with that username."));
        };
        if let Some(t) = flow.tenant.filter(|t| *t != user.tenant_id) {
            // A partner user signs in to a customer's tenant through GDAP, or not at all.
            let now = w.now;
            let base = self.settings.base_url.clone();
            if let Err(e) = self.gdap_sign_in(w.c(), sandbox, &user, t, now, &base).await {
                return Ok(again(&format!("AADSTS{}: {}", e.code, e.description)));
            }
        }
        let now = w.now.timestamp();
        let lockout = w.sandbox.sign_in_lockout == SignInLockout::On;
        let mut guard = store::world::guard(w.c(), user.id).await?;
        if lockout && guard.locked(now).is_some() {
            return Ok(again(&format!("AADSTS50053: {LOCKED_TEXT}")));
        }
        if !secrets::verify(&user.password_hash, password) {
            let mut msg = "AADSTS50126: Your account or password is incorrect.".to_owned();
            if lockout {
                if guard.failed(Factor::Password, now).is_some() {
                    msg = format!("AADSTS50053: {LOCKED_TEXT}");
                }
                store::world::set_guard(w.c(), user.id, &guard).await?;
                w.commit().await?;
            }
            return Ok(again(&msg));
        }
        if guard.failed_passwords > 0 {
            guard.passed(Factor::Password);
            store::world::set_guard(w.c(), user.id, &guard).await?;
        }
        flow.user = Some(user.id);
        let app = flow.app_name.clone();
        let step = match user.mfa {
            MfaState::Unregistered if !flow.require_mfa => self.finish(&mut w, &hash, flow, false).await?,
            MfaState::Registered => {
                flow.pending_secret = None;
                end_flow(&mut w, &hash, &flow, "pending").await?;
                Step::Totp {
                    flow: flow_id.to_owned(),
                    app,
                    username: user.user_principal_name,
                    error: None,
                }
            }
            MfaState::RequiredUnregistered | MfaState::Unregistered => {
                let secret = secrets::generate_totp_secret(self.random.as_ref());
                flow.pending_secret = Some(secret.clone());
                end_flow(&mut w, &hash, &flow, "pending").await?;
                Step::Register {
                    flow: flow_id.to_owned(),
                    app,
                    otpauth: otpauth(&user.user_principal_name, &secret),
                    username: user.user_principal_name,
                    secret,
                    error: None,
                }
            }
        };
        w.commit().await?;
        Ok(step)
    }

    /// The verification-code step: a TOTP code of the user's authenticator, or, during
    /// registration, of the secret just shown to that same user. Wrong codes count towards the
    /// user's lockout and end the flow after a few; a code is good once.
    pub async fn sign_in_code(&self, flow_id: &str, code: &str) -> Result<Step, EntraError> {
        let (mut w, mut flow, hash) = self.open_flow(flow_id).await?;
        let user_id = flow.user.ok_or_else(EntraError::sign_in_expired)?;
        let user = store::world::user(w.c(), user_id)
            .await?
            .map(|(_, u)| u)
            .ok_or_else(EntraError::sign_in_expired)?;
        // A registration secret only ever applies to a user who must register: a flow cannot
        // carry one over to a user who has an authenticator.
        let registering = match user.mfa {
            MfaState::RequiredUnregistered => flow.pending_secret.clone(),
            MfaState::Unregistered if flow.require_mfa => flow.pending_secret.clone(),
            _ => None,
        };
        let Some(secret) = registering.clone().or(user.totp_secret.clone()) else {
            return Err(EntraError::sign_in_expired());
        };
        let now = w.now.timestamp();
        let lockout = w.sandbox.sign_in_lockout == SignInLockout::On;
        let mut guard = store::world::guard(w.c(), user.id).await?;
        if lockout && guard.locked(now).is_some() {
            end_flow(&mut w, &hash, &flow, "failed").await?;
            w.commit().await?;
            return Ok(Step::Stopped {
                code: 50053,
                message: LOCKED_TEXT.into(),
            });
        }
        let last = store::world::totp_last_step(w.c(), user.id).await?;
        let verified = match totp::verify(&secret, code, now, last) {
            Ok(step) => {
                let recorded = match &registering {
                    Some(s) => store::world::register_totp(w.c(), user.id, s, step).await?,
                    None => store::world::use_totp_step(w.c(), user.id, step).await?,
                };
                if recorded {
                    Ok(())
                } else {
                    Err(totp::TotpError::Replayed)
                }
            }
            Err(e) => Err(e),
        };
        match verified {
            Ok(()) => {
                if guard != Default::default() {
                    guard.passed(Factor::Code);
                    store::world::set_guard(w.c(), user.id, &guard).await?;
                }
                let step = self.finish(&mut w, &hash, flow, true).await?;
                w.commit().await?;
                Ok(step)
            }
            Err(e) => {
                // A code already used is the right code a moment late, not a guess: it is refused
                // as such and never counts toward the wrong codes that end a flow or lock.
                let replayed = matches!(e, totp::TotpError::Replayed);
                let mut msg = match e {
                    totp::TotpError::Replayed => "That code was already used. Wait for the next code and try again.",
                    _ => "You didn't enter the expected verification code. Please try again.",
                }
                .to_owned();
                if lockout && !replayed {
                    flow.code_failures = flow.code_failures.saturating_add(1);
                    let locked = guard.failed(Factor::Code, now).is_some();
                    store::world::set_guard(w.c(), user.id, &guard).await?;
                    if locked || flow.code_failures >= CODES_PER_FLOW {
                        end_flow(&mut w, &hash, &flow, "failed").await?;
                        w.commit().await?;
                        return Ok(Step::Stopped {
                            code: 50053,
                            message: if locked {
                                LOCKED_TEXT.into()
                            } else {
                                "You entered too many wrong codes. Start the sign-in again from the application.".into()
                            },
                        });
                    }
                    end_flow(&mut w, &hash, &flow, "pending").await?;
                    w.commit().await?;
                    msg.push_str(&format!(
                        " ({} of {CODES_PER_FLOW} attempts left.)",
                        CODES_PER_FLOW - flow.code_failures
                    ));
                }
                let (app, username) = (flow.app_name.clone(), user.user_principal_name.clone());
                Ok(match registering {
                    Some(secret) => Step::Register {
                        flow: flow_id.to_owned(),
                        app,
                        otpauth: otpauth(&username, &secret),
                        username,
                        secret,
                        error: Some(msg),
                    },
                    None => Step::Totp {
                        flow: flow_id.to_owned(),
                        app,
                        username,
                        error: Some(msg),
                    },
                })
            }
        }
    }

    /// Ends a flow in the caller's transaction: a code to the redirect URI, or the device code
    /// approved.
    async fn finish(&self, w: &mut Write<'_>, hash: &str, flow: Flow, mfa: bool) -> Result<Step, EntraError> {
        end_flow(w, hash, &flow, "done").await?;
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
            family: None,
        };
        let data = serde_json::to_string(&grant).map_err(|_| EntraError::server_error())?;
        if let Some(device_key) = &flow.device_key {
            if !store::oauth::transition(w.c(), Kind::Device, device_key, "pending", "approved", &data).await? {
                return Err(EntraError::sign_in_expired());
            }
            return Ok(Step::DeviceApproved { app: flow.app_name });
        }
        let code = opaque(self.random.as_ref(), 48);
        let now = w.now.timestamp();
        let sandbox = w.id();
        store::oauth::insert(
            w.c(),
            NewGrant {
                kind: Kind::Code,
                key_hash: &key_hash(&code),
                sandbox,
                data: &data,
                user_code: None,
                expires_at: now + AUTH_CODE_SECS,
                bucket: None,
            },
            now,
            GRANT_CAPS,
        )
        .await?;
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
            family: None,
        };
        let data = serde_json::to_string(&grant).map_err(|_| EntraError::server_error())?;
        let mut w = self.grant_write(sandbox).await?;
        let now = w.now.timestamp();
        store::oauth::insert(
            w.c(),
            NewGrant {
                kind: Kind::Device,
                key_hash: &key_hash(&device_code),
                sandbox,
                data: &data,
                user_code: Some(&user_code),
                expires_at: now + DEVICE_CODE_SECS,
                bucket: Some(&app.client_id.to_string()),
            },
            now,
            GRANT_CAPS,
        )
        .await?;
        w.commit().await?;
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
        let row = {
            let mut c = self.store.conn().await?;
            store::oauth::by_user_code(&mut c, &code).await?
        };
        let invalid = || EntraError {
            status: 400,
            error: "invalid_request",
            code: 70019,
            description:
                "The code you entered has expired or is not valid. Get a new code from the application and try again."
                    .into(),
            suberror: None,
            explanation: None,
        };
        let row = row.ok_or_else(invalid)?;
        let now = self
            .sandbox_now(&*self.identity_sandbox(row.sandbox_id).await?)
            .timestamp();
        if row.status != "pending" || now >= row.expires_at {
            return Err(invalid());
        }
        let grant: StoredGrant = serde_json::from_str(&row.data).map_err(|_| invalid())?;
        let app = self.app(grant.client_id).await?.map(|(_, a)| a).ok_or_else(invalid)?;
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
            code_failures: 0,
            require_mfa: false,
        };
        let id = self.save_new_flow(row.sandbox_id, &flow).await?;
        Ok(Step::Password {
            flow: id,
            app: app.display_name.clone(),
            username: String::new(),
            error: None,
        })
    }
}

/// Where a headless sign-in starts: a device code's user code, or the authorize URL a client
/// would open in a browser.
#[derive(Debug, Clone)]
pub enum HeadlessStart {
    DeviceCode(String),
    Authorize(String),
}

/// How a headless sign-in ended: the device code is approved (the client's polling gets its
/// token), or the browser would now go to this redirect (the code is in it).
#[derive(Debug, Clone, PartialEq)]
pub enum HeadlessEnd {
    DeviceApproved {
        app: String,
    },
    Redirect(String),
    FormPost {
        action: String,
        fields: Vec<(String, String)>,
    },
}

fn headless_refusal(field: &str, e: &EntraError) -> crate::CoreError {
    domain::FieldError::new(field, format!("AADSTS{}: {}", e.code, e.description)).into()
}

impl Core {
    /// Completes a device-code or authorization-code sign-in as `user` would on the sign-in
    /// page (a sandbox power: no password is typed), with the TOTP step (`mfa`) when the user has
    /// MFA registered, without it when the user has none, so that a test gets a real client's
    /// token without a browser. A user that must register MFA first cannot be signed in so.
    pub async fn headless_sign_in(
        &self,
        sandbox: SandboxId,
        start: HeadlessStart,
        user: &crate::UserRef,
        mfa: bool,
    ) -> crate::error::Result<HeadlessEnd> {
        let (field, step) = match start {
            HeadlessStart::DeviceCode(code) => ("userCode", self.device_login(&code).await),
            HeadlessStart::Authorize(url) => ("authorizeUrl", self.authorize_url(&url).await),
        };
        let flow_id = match step {
            Ok(Step::Password { flow, .. }) => flow,
            Ok(_) => return Err(domain::FieldError::new(field, "this sign-in cannot be completed").into()),
            Err(e) => return Err(headless_refusal(field, &e)),
        };
        let (mut w, mut flow, hash) = self
            .open_flow(&flow_id)
            .await
            .map_err(|e| headless_refusal(field, &e))?;
        if w.id() != sandbox {
            return Err(domain::FieldError::new(field, "that sign-in belongs to another sandbox").into());
        }
        let found = user.find(w.c(), sandbox).await?;
        let Some(u) = found else {
            return Err(crate::CoreError::NotFound {
                what: "user",
                id: format!("{user:?}"),
                field: Some("user".into()),
            });
        };
        if let Some(t) = flow.tenant.filter(|t| *t != u.tenant_id) {
            let now = w.now;
            let base = self.settings.base_url.clone();
            if let Err(e) = self.gdap_sign_in(w.c(), sandbox, &u, t, now, &base).await {
                return Err(domain::FieldError::new(
                    "user",
                    format!(
                        "{} is not a user of the tenant the client signs in to, and GDAP gives it no access there: AADSTS{} ({})",
                        u.user_principal_name,
                        e.code,
                        e.explanation.unwrap_or_default()
                    ),
                )
                .into());
            }
        }
        match (u.mfa, mfa) {
            (MfaState::Registered, true) | (MfaState::Unregistered, false) => {}
            (MfaState::Registered, false) => {
                return Err(domain::FieldError::new(
                    "mfa",
                    format!(
                        "{} has MFA registered: the sign-in takes the TOTP step (mfa: true)",
                        u.user_principal_name
                    ),
                )
                .into())
            }
            (MfaState::Unregistered, true) => {
                return Err(domain::FieldError::new(
                    "mfa",
                    format!(
                        "{} has no authenticator registered: no second factor to take",
                        u.user_principal_name
                    ),
                )
                .into())
            }
            (MfaState::RequiredUnregistered, _) => {
                return Err(domain::FieldError::new(
                    "user",
                    format!("{} must register MFA first, on the sign-in page", u.user_principal_name),
                )
                .into())
            }
        }
        flow.user = Some(u.id);
        let end = self
            .finish(&mut w, &hash, flow, mfa)
            .await
            .map_err(|e| headless_refusal(field, &e))?;
        w.commit().await?;
        match end {
            Step::DeviceApproved { app } => Ok(HeadlessEnd::DeviceApproved { app }),
            Step::Redirect(u) => Ok(HeadlessEnd::Redirect(u)),
            Step::FormPost { action, fields } => Ok(HeadlessEnd::FormPost { action, fields }),
            _ => Err(domain::FieldError::new(field, "this sign-in cannot be completed").into()),
        }
    }

    /// An authorize URL as a client builds it: `https://host/{tenant}/oauth2[/v2.0]/authorize?...`.
    async fn authorize_url(&self, url: &str) -> Result<Step, EntraError> {
        let bad = || EntraError::missing("authorizeUrl");
        let (path, query) = url.trim().split_once('?').ok_or_else(bad)?;
        let path = path
            .split_once("://")
            .map_or(path, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (tenant, version) = match segments.as_slice() {
            [t, "oauth2", "v2.0", "authorize"] => (*t, 2),
            [t, "oauth2", "authorize"] => (*t, 1),
            _ => return Err(bad()),
        };
        let q: HashMap<String, String> = serde_urlencoded::from_str(query).map_err(|_| bad())?;
        let tenant_path = self.resolve_tenant(tenant).await?;
        match self.authorize(&tenant_path, &q, version).await {
            Ok(step) => Ok(step),
            Err(AuthorizeError::Show(e)) => Err(e),
            Err(AuthorizeError::Redirect(u)) => Err(EntraError::missing(&format!(
                "a valid request (the client would be sent to {u})"
            ))),
        }
    }
}

/// Writes a flow back with a status (`pending` to go on, `done`, `failed`).
async fn end_flow(w: &mut Write<'_>, hash: &str, flow: &Flow, status: &str) -> Result<(), EntraError> {
    let data = serde_json::to_string(flow).map_err(|_| EntraError::server_error())?;
    store::oauth::set(w.c(), Kind::Flow, hash, &data, status).await?;
    Ok(())
}
