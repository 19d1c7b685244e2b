//! The server-rendered sign-in pages: password, verification code, authenticator registration
//! (with the `otpauth://` URI as a QR code), device-code entry, and the end pages.
//! Every value shown is HTML-escaped.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use pcsandbox_core::entra::signin::Step;

pub fn esc(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

fn page(title: &str, body: &str) -> Response {
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{t} - pcsandbox</title><style>body{{font-family:Segoe UI,Helvetica,Arial,sans-serif;background:#f2f2f2;margin:0}}
main{{max-width:440px;margin:48px auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}}
h1{{font-size:24px;font-weight:600}}input[type=text],input[type=password],input[type=email]{{width:100%;padding:6px 0;border:0;border-bottom:1px solid #666;font-size:15px;margin:8px 0 16px}}
button{{background:#0067b8;color:#fff;border:0;padding:8px 32px;font-size:15px;cursor:pointer}}.error{{color:#e81123}}.note{{color:#666;font-size:13px}}code{{word-break:break-all}}</style></head>
<body><main><div class="note">pcsandbox · mock Microsoft Entra ID</div><h1>{t}</h1>{body}</main></body></html>"#,
        t = esc(title)
    );
    let mut res = Html(html).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    crate::never_framed(&mut res);
    res
}

fn error_line(e: &Option<String>) -> String {
    e.as_deref()
        .map(|m| format!(r#"<p class="error" role="alert">{}</p>"#, esc(m)))
        .unwrap_or_default()
}

fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(180, 180)
            .build(),
        Err(_) => String::new(),
    }
}

/// Renders a sign-in step. `tenant` is the `{tenant}` segment the forms post to.
pub fn step(tenant: &str, step: Step) -> Response {
    let tenant = esc(tenant);
    match step {
        Step::Password {
            flow,
            app,
            username,
            error,
        } => page(
            "Sign in",
            &format!(
                r#"<p>to continue to {app}</p>{err}<form method="post" action="/{tenant}/login">
<input type="hidden" name="flow" value="{flow}"><label>Email or username<input type="email" name="username" value="{user}" autocomplete="username" required></label>
<label>Password<input type="password" name="password" autocomplete="current-password" required></label><button type="submit">Sign in</button></form>"#,
                app = esc(&app),
                err = error_line(&error),
                flow = esc(&flow),
                user = esc(&username)
            ),
        ),
        Step::Totp {
            flow,
            app,
            username,
            error,
        } => page(
            "Enter code",
            &format!(
                r#"<p>{user} · {app}</p><p>Enter the code displayed in your authenticator app.</p>{err}<form method="post" action="/{tenant}/login/verify">
<input type="hidden" name="flow" value="{flow}"><label>Code<input type="text" name="otc" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{{6}}" required></label><button type="submit">Verify</button></form>"#,
                user = esc(&username),
                app = esc(&app),
                err = error_line(&error),
                flow = esc(&flow)
            ),
        ),
        Step::Register {
            flow,
            app,
            username,
            secret,
            otpauth,
            error,
        } => page(
            "Keep your account secure",
            &format!(
                r#"<p>{user} · {app}</p><p>Your organization requires multi-factor authentication. Scan the QR code with your authenticator app, or enter the secret key, then enter the 6-digit code it shows.</p>
<div>{qr}</div><p>Secret key: <code id="totp-secret">{secret}</code></p><p class="note"><code id="otpauth-uri">{uri}</code></p>{err}
<form method="post" action="/{tenant}/login/verify"><input type="hidden" name="flow" value="{flow}"><label>Code<input type="text" name="otc" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{{6}}" required></label><button type="submit">Next</button></form>"#,
                user = esc(&username),
                app = esc(&app),
                qr = qr_svg(&otpauth),
                secret = esc(&secret),
                uri = esc(&otpauth),
                err = error_line(&error),
                flow = esc(&flow)
            ),
        ),
        Step::Redirect(url) => {
            let mut res = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(&url) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Step::FormPost { action, fields } => {
            let inputs: String = fields
                .iter()
                .map(|(k, v)| format!(r#"<input type="hidden" name="{}" value="{}">"#, esc(k), esc(v)))
                .collect();
            page(
                "Working...",
                &format!(
                    r#"<form method="post" action="{}" id="f">{inputs}<noscript><button type="submit">Continue</button></noscript></form><script>document.getElementById('f').submit()</script>"#,
                    esc(&action)
                ),
            )
        }
        Step::Stopped { code, message } => error(code, &message),
        Step::DeviceApproved { app } => page(
            "You're signed in",
            &format!(
                "<p>You have signed in to the {} application on your device. You may now close this window.</p>",
                esc(&app)
            ),
        ),
    }
}

/// An error shown on the page instead of being sent to the application.
pub fn error(code: u32, message: &str) -> Response {
    let mut res = page(
        "Sorry, but we're having trouble signing you in.",
        &format!(r#"<p class="error">AADSTS{code}: {}</p>"#, esc(message)),
    );
    *res.status_mut() = StatusCode::BAD_REQUEST;
    res
}

pub fn device_entry(error_text: Option<&str>) -> Response {
    page(
        "Enter code",
        &format!(
            r#"<p>Enter the code displayed on your app or device.</p>{}<form method="post" action="/devicelogin"><label>Code<input type="text" name="otc" required></label><button type="submit">Next</button></form>"#,
            error_text
                .map(|m| format!(r#"<p class="error">{}</p>"#, esc(m)))
                .unwrap_or_default()
        ),
    )
}

pub fn signed_out() -> Response {
    page(
        "You signed out of your account",
        "<p>It's a good idea to close all browser windows.</p>",
    )
}
