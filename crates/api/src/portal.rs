//! The slice of the Partner Center web portal built so far: the page an email-ownership link
//! opens (メールの確認に成功しました). ja-JP unless the browser asks for English.

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
    Router::new().route("/dashboard/verification/email/{token}", get(email_link))
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
<body><main><div class="note">pcsandbox · mock Microsoft Partner Center</div><h1>{t}</h1><p>{b}</p></main></body></html>"#,
        t = esc(t),
        b = esc(b),
    );
    let mut res = (status, Html(html)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
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
