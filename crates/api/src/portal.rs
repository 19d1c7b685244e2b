//! The slice of the Partner Center web portal built so far: the page an email-ownership link
//! opens (メールの確認に成功しました) and the indirect provider's partnership request
//! (パートナーシップを確認する). ja-JP unless the browser asks for English.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use domain::message::Text;
use domain::verification::LinkOutcome;

use crate::entra::pages::esc;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/verification/email/{token}", get(email_link))
        .route(
            "/commerce/indirectresellers/relationshiprequest/{id}",
            get(relationship_request),
        )
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
}

/// A panic is a bug: the browser gets the portal's error page; the log line (in the request's
/// span) says where.
pub(crate) fn panicked(payload: Box<dyn std::any::Any + Send>) -> Response {
    tracing::error!(panic = %crate::panic_message(payload.as_ref()), "a portal handler panicked");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        false,
        &Text::new("エラーが発生しました", "Something went wrong"),
        &Text::new("しばらくしてからもう一度お試しください。", "Try again later."),
    )
}

fn english(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("en"))
}

fn page(status: StatusCode, en: bool, title: &Text, body: &Text) -> Response {
    let (lang, t, b) = if en {
        ("en-US", &title.en, &body.en)
    } else {
        ("ja-JP", &title.ja, &body.ja)
    };
    let html = format!(
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{t} - Microsoft パートナー センター (pcsandbox)</title><style>body{{font-family:Segoe UI,Meiryo,Helvetica,Arial,sans-serif;background:#f2f2f2;margin:0}}
main{{max-width:560px;margin:48px auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}}h1{{font-size:24px;font-weight:600}}.note{{color:#666;font-size:13px}}</style></head>
<body><main><div class="note">pcsandbox · mock Microsoft Partner Center</div><h1>{t}</h1>{b}</main></body></html>"#,
        t = esc(t),
        b = b.lines().map(|l| format!("<p>{}</p>", esc(l))).collect::<String>(),
    );
    let mut res = (status, Html(html)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    crate::never_framed(&mut res);
    res
}

/// `GET /dashboard/verification/email/{token}`: following the link confirms the address.
async fn email_link(State(s): State<AppState>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    let en = english(&headers);
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
    page(status, en, &title, &body)
}

/// `GET /commerce/indirectresellers/relationshiprequest/{id}` (STEP4): the provider asking to be
/// the reseller's indirect provider, the consent text, and the request's state. Approving or
/// postponing is the `respond-relationship-request` action (a Global admin of the reseller).
async fn relationship_request(State(s): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let en = english(&headers);
    let found = if id.len() > 64 {
        Ok(None)
    } else {
        s.core.relationship_request(&id).await
    };
    let (status, title, body) = match found {
        Err(e) => {
            tracing::error!(error = %e, "reading a relationship request failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Text::new("エラーが発生しました", "Something went wrong"),
                Text::new("しばらくしてからもう一度お試しください。", "Try again later."),
            )
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Text::new("要求が見つかりません", "Request not found"),
            Text::new(
                "このパートナーシップの要求は存在しません。",
                "There is no such partnership request.",
            ),
        ),
        Ok(Some(st)) => {
            let p = &st.provider.legal_business_profile;
            let a = &p.address;
            let place = format!(
                "{}, {}, {}, {}",
                a.city,
                a.state.as_deref().unwrap_or(""),
                a.postal_code,
                a.country
            );
            let org = format!("{}\n{}\n{}", p.company_name, a.address_line1, place);
            let (state_ja, state_en) = match st.request.state {
                domain::csp::RequestState::Pending => ("この要求は保留中です。", "This request is pending."),
                domain::csp::RequestState::Postponed => ("この要求は延期されています。", "This request was postponed."),
                domain::csp::RequestState::Approved => (
                    "この間接プロバイダー パートナーシップは承認済みです。",
                    "This indirect provider partnership is approved.",
                ),
            };
            (
                StatusCode::OK,
                Text::new("パートナーシップを確認する", "Confirm the partnership"),
                Text::new(
                    format!(
                        "間接プロバイダー パートナーシップを認可すると、間接プロバイダーがお客様の顧客に代わって注文を送信し、\
                         サブスクリプションを追加するためのフルアクセスが可能になります。\n組織\n{org}\n☐ {}\n{state_ja}\n\
                         {} のグローバル管理者として [間接プロバイダーの承認] または [要求を延期する] を選択してください \
                         (pcsandbox: respond-relationship-request アクション)。",
                        domain::csp::CONSENT_JA,
                        st.reseller.legal_business_profile.company_name,
                    ),
                    format!(
                        "Authorizing an indirect provider partnership gives the indirect provider full access to place \
                         orders and add subscriptions on behalf of your customers.\nOrganization\n{org}\n☐ {}\n{state_en}\n\
                         As a Global admin of {}, choose [Approve indirect provider] or [Postpone request] \
                         (pcsandbox: the respond-relationship-request action).",
                        domain::csp::CONSENT_EN,
                        st.reseller.legal_business_profile.company_name,
                    ),
                ),
            )
        }
    };
    page(status, en, &title, &body)
}
