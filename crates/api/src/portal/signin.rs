//! Signing in to the portal: the portal is an OpenID Connect client of our own Entra. It sends
//! the browser to `/{tenant}/oauth2/v2.0/authorize` with PKCE (S256) and a `state`, both kept
//! in a signed cookie; the callback checks them, redeems the code at the token endpoint's
//! use-case and reads the ID token's `oid`, `tid` and `amr`. A page that needs MFA (everything
//! under `/commerce`) sends a session without it back with `amr_values=mfa`.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use domain::message::Text;
use pcsandbox_core::entra::signin::pct;
use pcsandbox_core::entra::token::TokenRequest;
use pcsandbox_core::entra::PORTAL_CLIENT_ID;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

use super::layout::Lang;
use super::session::{self, PendingSignIn, Session, SESSION_COOKIE, SIGNIN_COOKIE};
use super::{lang_of, message, origin, render};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct StartQuery {
    sandbox: Option<String>,
    login_hint: Option<String>,
    #[serde(rename = "return")]
    return_to: Option<String>,
    /// `1`: the page asks for a second factor (a step-up).
    mfa: Option<String>,
}

/// The most sandboxes the sign-in offers to choose from for one user name.
const MAX_CHOICES: u32 = 20;

#[derive(Template)]
#[template(path = "portal/signin.html")]
struct StartPage {
    lang: Lang,
    login_hint: String,
    sandbox: String,
    return_to: String,
    mfa: bool,
    error: Option<String>,
    /// Sandboxes that have this user: (href, name).
    choices: Vec<(String, String)>,
}

/// A path of this server to go back to: never another site (`//evil`, `/\evil`, `https://`).
pub(crate) fn safe_return(raw: Option<&str>) -> String {
    match raw.map(str::trim) {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && p.len() <= 512
                && !p.chars().any(|c| c.is_control()) =>
        {
            p.to_owned()
        }
        _ => "/dashboard/home".to_owned(),
    }
}

/// Where a page sends a browser without a (good enough) session.
pub(crate) fn sign_in_url(sandbox: Option<&str>, upn: Option<&str>, return_to: &str, mfa: bool) -> String {
    let mut u = format!("/dashboard/signin?return={}", pct(return_to));
    if let Some(s) = sandbox {
        u.push_str(&format!("&sandbox={}", pct(s)));
    }
    if let Some(h) = upn {
        u.push_str(&format!("&login_hint={}", pct(h)));
    }
    if mfa {
        u.push_str("&mfa=1");
    }
    u
}

fn random_b64(s: &AppState, n: usize) -> String {
    URL_SAFE_NO_PAD.encode(s.core.random.bytes(n))
}

/// `GET /dashboard/signin`: asks for the user name when not given, finds the user's sandbox
/// and tenant, and sends the browser to that tenant's authorize endpoint.
pub async fn start(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (lang, _) = lang_of(&headers, &uri);
    let q: StartQuery = super::query(&uri);
    let return_to = safe_return(q.return_to.as_deref());
    let mfa = q.mfa.as_deref() == Some("1");
    let upn = q.login_hint.as_deref().unwrap_or_default().trim().to_lowercase();
    let mut page = StartPage {
        lang,
        login_hint: upn.clone(),
        sandbox: q.sandbox.clone().unwrap_or_default(),
        return_to: return_to.clone(),
        mfa,
        error: None,
        choices: Vec::new(),
    };
    if upn.is_empty() || upn.len() > 256 {
        return render(StatusCode::OK, &page);
    }
    let sandboxes = match q.sandbox.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => match s.core.find_sandbox(name).await {
            Ok(id) => vec![id],
            Err(_) => {
                page.error = Some(format!(
                    "{} '{name}'",
                    lang.t("サンドボックスが見つかりません:", "No such sandbox:")
                ));
                return render(StatusCode::NOT_FOUND, &page);
            }
        },
        // A shared server (one with an admin key) does not tell an anonymous visitor which
        // sandboxes hold a user name: the sandbox must be named (the console's links name it).
        None if s.settings.admin_key.is_some() => {
            page.error = Some(
                lang.t(
                    "サンドボックス名を入力してください (共有サーバーではユーザー名からサンドボックスを探しません)。",
                    "Give the sandbox's name: a shared server does not look a user name up across sandboxes.",
                )
                .to_owned(),
            );
            return render(StatusCode::OK, &page);
        }
        None => {
            let found = async {
                let mut c = s.core.store.read().await?;
                store::world::sandboxes_with_upn(&mut c, &upn, MAX_CHOICES).await
            }
            .await;
            match found {
                Ok(v) => v,
                Err(e) => {
                    tracing::error!(error = %e, "portal sign-in lookup failed");
                    return message(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        lang,
                        &Text::new("エラーが発生しました", "Something went wrong"),
                        &Text::new("しばらくしてからもう一度お試しください。", "Try again later."),
                    );
                }
            }
        }
    };
    let sandbox = match sandboxes.as_slice() {
        [one] => *one,
        [] => {
            page.error = Some("AADSTS50034: We couldn't find an account with that username.".to_owned());
            return render(StatusCode::OK, &page);
        }
        many => {
            for id in many {
                if let Ok(Some(sb)) = s.core.sandbox(*id).await {
                    page.choices.push((
                        sign_in_url(Some(&sb.name), Some(&upn), &return_to, mfa),
                        sb.name.clone(),
                    ));
                }
            }
            return render(StatusCode::OK, &page);
        }
    };
    let user = async {
        let mut c = s.core.store.read().await?;
        store::world::user_by_upn(&mut c, sandbox, &upn).await
    }
    .await
    .ok()
    .flatten();
    let Some(user) = user else {
        page.error = Some("AADSTS50034: We couldn't find an account with that username.".to_owned());
        return render(StatusCode::OK, &page);
    };
    let verifier = random_b64(&s, 32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let state = random_b64(&s, 16);
    let now = s.core.clock.now().timestamp();
    let origin = origin(&s, &headers, &uri);
    let pending = PendingSignIn {
        verifier,
        state: state.clone(),
        return_to,
        tenant: user.tenant_id,
        expires: now + session::SIGNIN_SECS,
    };
    let redirect_uri = format!("{origin}/dashboard/signin-oidc");
    let mut authorize = format!(
        "/{}/oauth2/v2.0/authorize?client_id={PORTAL_CLIENT_ID}&response_type=code&response_mode=query\
         &redirect_uri={}&scope={}&state={state}&code_challenge={challenge}&code_challenge_method=S256&login_hint={}",
        user.tenant_id,
        pct(&redirect_uri),
        pct("openid profile"),
        pct(&upn),
    );
    if mfa {
        authorize.push_str("&amr_values=mfa");
    }
    let mut res = Redirect::to(&authorize).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(
            SIGNIN_COOKIE,
            &s.portal_key.seal(SIGNIN_COOKIE, &pending),
            "/dashboard/signin-oidc",
            origin.starts_with("https://"),
            Some(session::SIGNIN_SECS),
        ),
    );
    res
}

#[derive(Deserialize, Default)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn failed(lang: Lang, status: StatusCode, why: String) -> Response {
    let mut res = message(
        status,
        lang,
        &Text::new("サインインできませんでした", "Sign-in failed"),
        &Text::new(
            format!("{why}\nパートナー センターにもう一度サインインしてください。"),
            format!("{why}\nSign in to Partner Center again."),
        ),
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        session::clear_cookie(SIGNIN_COOKIE, "/dashboard/signin-oidc"),
    );
    res
}

/// The claims the portal reads from its ID token.
#[derive(Deserialize)]
struct IdClaims {
    oid: domain::UserId,
    tid: domain::TenantId,
    #[serde(default)]
    amr: Vec<String>,
}

fn id_claims(token: &str) -> Option<IdClaims> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// `GET /dashboard/signin-oidc`: the end of the sign-in. The `state` must be the one this
/// browser's cookie holds (a code sent to someone else's browser is refused), and the code is
/// redeemed with the cookie's PKCE verifier, once.
pub async fn callback(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (lang, _) = lang_of(&headers, &uri);
    let q: CallbackQuery = super::query(&uri);
    let now = s.core.clock.now().timestamp();
    let pending: Option<PendingSignIn> =
        session::cookie(&headers, SIGNIN_COOKIE).and_then(|c| s.portal_key.open(SIGNIN_COOKIE, c, now));
    let Some(pending) = pending else {
        return failed(
            lang,
            StatusCode::BAD_REQUEST,
            lang.t(
                "サインインの有効期限が切れたか、このブラウザーで開始されていません。",
                "The sign-in expired or was not started in this browser.",
            )
            .to_owned(),
        );
    };
    if let Some(e) = q.error.as_deref() {
        let desc = q.error_description.as_deref().unwrap_or(e);
        return failed(lang, StatusCode::BAD_REQUEST, desc.chars().take(500).collect());
    }
    let state_ok = q
        .state
        .as_deref()
        .is_some_and(|st| bool::from(subtle::ConstantTimeEq::ct_eq(st.as_bytes(), pending.state.as_bytes())));
    let (Some(code), true) = (q.code.as_deref(), state_ok) else {
        return failed(
            lang,
            StatusCode::BAD_REQUEST,
            lang.t(
                "サインインの応答がこのブラウザーの要求と一致しません。",
                "The sign-in answer does not match this browser's request.",
            )
            .to_owned(),
        );
    };
    let origin = origin(&s, &headers, &uri);
    let path = match s.core.resolve_tenant(&pending.tenant.to_string()).await {
        Ok(p) => p,
        Err(e) => {
            return failed(
                lang,
                StatusCode::BAD_REQUEST,
                format!("AADSTS{}: {}", e.code, e.description),
            )
        }
    };
    let form: HashMap<String, String> = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &format!("{origin}/dashboard/signin-oidc")),
        ("code_verifier", &pending.verifier),
        ("client_id", &PORTAL_CLIENT_ID.to_string()),
        ("scope", "openid profile"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let req = TokenRequest {
        form,
        basic: None,
        endpoint_version: 2,
        issuer_base: origin.clone(),
    };
    let answer = match s.core.token(&path, &req).await {
        Ok(a) => a,
        Err(e) => {
            return failed(
                lang,
                StatusCode::BAD_REQUEST,
                format!("AADSTS{}: {}", e.code, e.description),
            )
        }
    };
    let Some(claims) = answer.get("id_token").and_then(|t| t.as_str()).and_then(id_claims) else {
        return failed(lang, StatusCode::BAD_GATEWAY, "no ID token".to_owned());
    };
    let pcsandbox_core::entra::TenantPath::Specific { sandbox, .. } = path else {
        return failed(lang, StatusCode::BAD_REQUEST, "tenant".to_owned());
    };
    let session = Session {
        sandbox,
        user: claims.oid,
        tenant: claims.tid,
        mfa: claims.amr.iter().any(|a| a == "mfa"),
        expires: now + session::SESSION_SECS,
        nonce: random_b64(&s, 16),
    };
    let secure = origin.starts_with("https://");
    let mut res = Redirect::to(&pending.return_to).into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        session::set_cookie(
            SESSION_COOKIE,
            &s.portal_key.seal(SESSION_COOKIE, &session),
            "/",
            secure,
            None,
        ),
    );
    h.append(
        header::SET_COOKIE,
        session::clear_cookie(SIGNIN_COOKIE, "/dashboard/signin-oidc"),
    );
    res
}

/// `POST /dashboard/signout`: ends the portal session (its form carries the CSRF token).
pub async fn sign_out(
    State(s): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (lang, _) = lang_of(&headers, &uri);
    let now = s.core.clock.now().timestamp();
    let session: Option<Session> =
        session::cookie(&headers, SESSION_COOKIE).and_then(|c| s.portal_key.open(SESSION_COOKIE, c, now));
    if let Some(sess) = &session {
        if !s.portal_key.csrf_ok(&sess.nonce, form.get("csrf").map(String::as_str)) {
            return super::pages::csrf_refused(lang);
        }
    }
    let mut res = message(
        StatusCode::OK,
        lang,
        &Text::new("サインアウトしました", "You signed out"),
        &Text::new(
            "パートナー センターからサインアウトしました。",
            "You signed out of Partner Center.",
        ),
    );
    res.headers_mut()
        .append(header::SET_COOKIE, session::clear_cookie(SESSION_COOKIE, "/"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_server_are_returned_to() {
        assert_eq!(
            safe_return(Some("/dashboard/account/legal?tab=reseller")),
            "/dashboard/account/legal?tab=reseller"
        );
        for bad in [
            "//evil.example/x",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_return(Some(bad)), "/dashboard/home", "{bad}");
        }
        assert_eq!(safe_return(None), "/dashboard/home");
    }
}
