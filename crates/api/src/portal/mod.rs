//! The human surfaces: the Partner Center portal as a partner's user sees it (the screens of the
//! onboarding guide, ja-JP and en-US), signed in through our own Entra with the authorization
//! code flow and PKCE, and the sandbox console for testers. Server-rendered (askama, escaped by
//! default), no JavaScript; every form carries a CSRF token and calls the same use-case as the
//! control plane's action; nothing changes on GET (the email-ownership link is the documented
//! exception: following it is what confirms the address); no page may be framed.

pub mod console;
mod layout;
mod pages;
pub mod session;
mod signin;

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::message::Text;
use domain::verification::LinkOutcome;
use pcsandbox_core::entra::{PORTAL_APP_NAME, PORTAL_CLIENT_ID};

pub use layout::Lang;
use layout::{Message, MessagePage};
use session::{cookie, Session};

use crate::AppState;

/// The largest form the portal reads (a document upload is the biggest: 10 MiB).
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(landing))
        .route("/dashboard", get(|| async { Redirect::to("/dashboard/home") }))
        .route("/dashboard/signin", get(signin::start))
        .route("/dashboard/signin-oidc", get(signin::callback))
        .route("/dashboard/signout", post(signin::sign_out))
        .route("/dashboard/home", get(pages::home))
        .route("/dashboard/account/legal", get(pages::legal))
        .route("/dashboard/account/legal/register", post(pages::register))
        .route("/dashboard/account/legal/company", post(pages::update_company))
        .route("/dashboard/account/legal/contact", post(pages::update_contact))
        .route("/dashboard/account/legal/resend", post(pages::resend))
        .route(
            "/dashboard/account/legal/document",
            post(pages::upload).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
        )
        .route("/dashboard/account/identifiers", get(pages::identifiers))
        .route("/dashboard/account/programs", get(pages::programs))
        .route(
            "/dashboard/account/programs/csp-indirect-reseller",
            get(pages::enroll_form).post(pages::enroll),
        )
        .route("/dashboard/account/agreements", get(pages::agreements))
        .route("/dashboard/account/agreements/accept", post(pages::accept_agreement))
        .route("/dashboard/security-requirements", get(pages::security))
        .route("/dashboard/verification/email/{token}", get(email_link))
        .route("/commerce/indirectproviders", get(pages::providers))
        .route("/commerce/indirectresellers", get(pages::resellers))
        .route("/commerce/indirectresellers/invite", post(pages::invite))
        .route(
            "/commerce/indirectresellers/relationshiprequest/{id}",
            get(pages::relationship_request).post(pages::respond),
        )
        .route(
            "/AdminPortal/partners/invitation/granularAdminRelationships/{id}",
            get(pages::gdap_invitation).post(pages::gdap_approve),
        )
        .merge(console::router(state))
        .layer(middleware::from_fn_with_state(state.clone(), journal_visit))
        .layer(middleware::map_response(never_framed))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
}

async fn never_framed(res: Response) -> Response {
    // A body past the limit is refused by axum before any handler, as plain text: a browser
    // gets the portal's page instead.
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let mut res = if res.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        message(
            StatusCode::PAYLOAD_TOO_LARGE,
            Lang::Ja,
            &Text::new("送信された内容が大きすぎます", "What was sent is too large"),
            &Text::new("提出できるファイルは 10 MB までです。", "A file may be up to 10 MB."),
        )
    } else {
        res
    };
    crate::never_framed(&mut res);
    if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A panic is a bug: the browser gets the portal's error page; the log line (in the request's
/// span) says where.
pub(crate) fn panicked(payload: Box<dyn std::any::Any + Send>) -> Response {
    tracing::error!(panic = %crate::panic_message(payload.as_ref()), "a portal handler panicked");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        Lang::Ja,
        &Text::new("エラーが発生しました", "Something went wrong"),
        &Text::new("しばらくしてからもう一度お試しください。", "Try again later."),
    )
}

/// A page a signed-in user saw: the journal keeps it as the App+User request of the portal app
/// (the MFA reports count portal sign-ins without MFA, as Partner Center's do).
#[derive(Clone)]
pub(crate) struct Visit {
    pub sandbox: domain::SandboxId,
    pub who: Arc<store::journal::Who>,
}

async fn journal_visit(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let template = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let ids = req.extensions().get::<crate::context::RequestIds>().cloned();
    let res = next.run(req).await;
    if let Some(v) = res.extensions().get::<Visit>().cloned() {
        let outcome = crate::outcome(&res);
        let j = crate::Journaled {
            sandbox: v.sandbox,
            surface: store::journal::PORTAL,
            method: method.clone(),
            path,
            operation: format!("{method} {template}"),
            who: v.who,
        };
        crate::journal(&s, j, ids.as_ref(), outcome).await;
    }
    res
}

/// The `Who` of a portal session.
pub(crate) fn portal_who(session: &Session, upn: &str) -> store::journal::Who {
    store::journal::Who {
        tenant_id: Some(session.tenant),
        user_id: Some(session.user),
        upn: Some(upn.to_owned()),
        app_id: Some(PORTAL_CLIENT_ID),
        app_name: PORTAL_APP_NAME.to_owned(),
        mfa: session.mfa,
    }
}

/// The origin the browser used, when it is one of ours (`localhost` for `127.0.0.1` included):
/// the sign-in's redirect URI and the cookies' `Secure` follow it.
pub(crate) fn origin(s: &AppState, headers: &HeaderMap, uri: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or_default()
        .to_ascii_lowercase();
    for u in s.urls.all() {
        let Some((_, hp)) = u.split_once("://") else { continue };
        if hp.eq_ignore_ascii_case(&host) {
            return u.to_owned();
        }
        if hp.replace("127.0.0.1", "localhost") == host {
            return u.replace("127.0.0.1", "localhost");
        }
    }
    s.urls.http.clone()
}

/// Every origin's `/dashboard/signin-oidc`: the redirect URIs of the portal's client.
pub fn portal_redirect_uris(urls: &crate::Urls) -> Vec<String> {
    urls.all()
        .into_iter()
        .flat_map(|u| {
            let mine = format!("{u}/dashboard/signin-oidc");
            let local = mine.replace("://127.0.0.1:", "://localhost:");
            [mine, local]
        })
        .collect()
}

/// The language of a page: `?lang=`, then the `pcs_lang` cookie, then Accept-Language; ja-JP
/// unless one of them says English. `?lang=` is remembered in the cookie.
pub(crate) fn lang_of(headers: &HeaderMap, uri: &Uri) -> (Lang, Option<Lang>) {
    let asked = uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::parse(v))
    });
    if let Some(l) = asked {
        return (l, Some(l));
    }
    if let Some(l) = cookie(headers, session::LANG_COOKIE).and_then(Lang::parse) {
        return (l, None);
    }
    let en = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("en"));
    (if en { Lang::En } else { Lang::Ja }, None)
}

/// A page's query string as `T`; a malformed one reads as no query at all (every field of a
/// portal query is optional).
pub(crate) fn query<T: serde::de::DeserializeOwned + Default>(uri: &Uri) -> T {
    uri.query()
        .filter(|q| q.len() <= 4096)
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

/// Renders a template; a template that cannot render is a bug, shown as the error page.
pub(crate) fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a portal template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><title>Error</title>Something went wrong."),
            )
                .into_response()
        }
    }
}

/// A page with a title and a few paragraphs.
pub(crate) fn message(status: StatusCode, lang: Lang, title: &Text, body: &Text) -> Response {
    render(
        status,
        &MessagePage {
            m: Message {
                lang,
                title: lang.x(title).to_owned(),
                lines: lang.x(body).lines().map(str::to_owned).collect(),
                links: Vec::new(),
            },
        },
    )
}

/// `GET /`: what pcsandbox serves, for a browser.
async fn landing(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (lang, _) = lang_of(&headers, &uri);
    let default = s.core.find_sandbox("default").await.is_ok();
    let mut m = Message {
        lang,
        title: "pcsandbox".into(),
        lines: vec![lang
            .t(
                "Microsoft パートナー センターと Microsoft Entra ID のローカル エミュレーターです。",
                "A local emulator of Microsoft Partner Center and Microsoft Entra ID.",
            )
            .to_owned()],
        links: vec![
            (
                "/console".to_owned(),
                lang.t(
                    "サンドボックス コンソール (テスター向け)",
                    "Sandbox console (for testers)",
                )
                .to_owned(),
            ),
            (
                "/sandbox/v1/openapi.yaml".to_owned(),
                lang.t("コントロール プレーン API (OpenAPI)", "Control-plane API (OpenAPI)")
                    .to_owned(),
            ),
            (
                "/v1/openapi.yaml".to_owned(),
                lang.t("Partner Center REST API (OpenAPI)", "Partner Center REST API (OpenAPI)")
                    .to_owned(),
            ),
        ],
    };
    if default {
        m.links.insert(
            0,
            (
                "/dashboard/home".to_owned(),
                lang.t("パートナー センターにサインイン", "Sign in to Partner Center")
                    .to_owned(),
            ),
        );
    }
    render(StatusCode::OK, &MessagePage { m })
}

/// `GET /dashboard/verification/email/{token}`: following the link confirms the address.
async fn email_link(State(s): State<AppState>, Path(token): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    let (lang, _) = lang_of(&headers, &uri);
    let found = if token.len() > 128 {
        Ok(None)
    } else {
        s.core.follow_email_link(&token).await
    };
    let (status, title, body) = match found {
        Err(e) => {
            tracing::error!(error = %e, "following an email link failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Text::new("エラーが発生しました", "Something went wrong"),
                Text::new("しばらくしてからもう一度お試しください。", "Try again later."),
            )
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Text::new("リンクが見つかりません", "Link not found"),
            Text::new(
                "このリンクは確認メールのものではありません。",
                "This is not a link from a verification email.",
            ),
        ),
        Ok(Some(r)) => {
            let company = &r.company_name;
            match r.outcome {
                LinkOutcome::Confirmed => (
                    StatusCode::OK,
                    Text::new("メールの確認に成功しました", "Your email address is verified"),
                    Text::new(
                        format!("{company} のメールの所有権が確認されました。審査状況はパートナー センターの [法的情報] で確認できます。"),
                        format!("Email ownership for {company} is verified. Follow the verification in Partner Center under Legal info."),
                    ),
                ),
                LinkOutcome::AlreadyConfirmed => (
                    StatusCode::OK,
                    Text::new("メールは既に確認されています", "Your email address is already verified"),
                    Text::new(
                        format!("{company} のメールの所有権は既に確認されています。"),
                        format!("Email ownership for {company} was already verified."),
                    ),
                ),
                LinkOutcome::Expired => (
                    StatusCode::GONE,
                    Text::new("リンクの有効期限が切れています", "This link expired"),
                    Text::new(
                        "パートナー センターの [法的情報] から確認メールを再送信してください。",
                        "Resend the verification email from Partner Center under Legal info.",
                    ),
                ),
                LinkOutcome::Superseded => (
                    StatusCode::GONE,
                    Text::new("このリンクは無効です", "This link is no longer valid"),
                    Text::new(
                        "新しい確認メールが送信されています。最新のメールのリンクを使用してください。",
                        "A newer verification email was sent. Use the link in the newest email.",
                    ),
                ),
            }
        }
    };
    let mut m = Message {
        lang,
        title: lang.x(&title).to_owned(),
        lines: lang.x(&body).lines().map(str::to_owned).collect(),
        links: Vec::new(),
    };
    if status.is_success() || status == StatusCode::GONE {
        m.links.push((
            "/dashboard/account/legal".to_owned(),
            lang.t("法的情報を開く", "Open Legal info").to_owned(),
        ));
    }
    render(status, &MessagePage { m })
}
