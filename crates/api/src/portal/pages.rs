//! The portal's pages and forms. Each page reads the sandbox's world once; each form is the
//! control plane's action of the same name, run as the signed-in user, so a refusal shows the
//! use-case's own words. A form that succeeds redirects (303) back to its page.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use domain::message::Text;
use domain::profile::LegalBusinessProfile;
use domain::vetting::VettingStatus;
use domain::world::{Partner, Tenant, User};
use pcsandbox_core::actions::{Action, ActionOutcome};
use pcsandbox_core::csp::RelationshipState;
use pcsandbox_core::sandboxes::SandboxState;
use pcsandbox_core::CoreError;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::layout::{Base, Lang, Notice};
use super::session::{self, Session, SESSION_COOKIE};
use super::signin::sign_in_url;
use super::{lang_of, message, portal_who, render, Visit};
use crate::control::views::{self, CheckView, CspView, PartnerView};
use crate::AppState;

/// A signed-in user on a page: the session, the sandbox's world as of this request, and the
/// page's language.
pub(crate) struct Ctx {
    pub session: Session,
    pub state: SandboxState,
    pub user: User,
    pub lang: Lang,
    set_lang: Option<Lang>,
    pub path: String,
    pub csrf: String,
}

/// The portal's session of this request, or where the browser must go to get one: the sign-in
/// (none, expired, its user gone) or the MFA step-up (`need_mfa` and the sign-in had no
/// second factor).
pub(crate) async fn signed_in(s: &AppState, headers: &HeaderMap, uri: &Uri, need_mfa: bool) -> Result<Ctx, Response> {
    let (lang, set_lang) = lang_of(headers, uri);
    let here = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/dashboard/home");
    let now = s.core.clock.now().timestamp();
    let to_sign_in = |sandbox: Option<&str>, upn: Option<&str>, mfa: bool| {
        let mut res = Redirect::to(&sign_in_url(sandbox, upn, here, mfa)).into_response();
        if let Some(l) = set_lang {
            res.headers_mut().append(
                header::SET_COOKIE,
                session::set_cookie(session::LANG_COOKIE, l.code(), "/", false, Some(365 * 86_400)),
            );
        }
        res
    };
    let Some(sess) =
        session::cookie(headers, SESSION_COOKIE).and_then(|c| s.portal_key.open::<Session>(SESSION_COOKIE, c, now))
    else {
        return Err(to_sign_in(None, None, need_mfa));
    };
    let state = match s.core.sandbox_state(sess.sandbox).await {
        Ok(st) => st,
        Err(CoreError::NotFound { .. }) => return Err(to_sign_in(None, None, need_mfa)),
        Err(e) => return Err(internal(lang, &e)),
    };
    let Some(user) = state.world.users.iter().find(|u| u.id == sess.user).cloned() else {
        return Err(to_sign_in(Some(&state.sandbox.name), None, need_mfa));
    };
    if need_mfa && !sess.mfa {
        return Err(to_sign_in(
            Some(&state.sandbox.name),
            Some(&user.user_principal_name),
            true,
        ));
    }
    let csrf = s.portal_key.csrf(&sess.nonce);
    Ok(Ctx {
        session: sess,
        state,
        user,
        lang,
        set_lang,
        path: uri.path().to_owned(),
        csrf,
    })
}

fn internal(lang: Lang, e: &CoreError) -> Response {
    tracing::error!(error = %e, "a portal page failed");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        lang,
        &Text::new("エラーが発生しました", "Something went wrong"),
        &Text::new("しばらくしてからもう一度お試しください。", "Try again later."),
    )
}

/// The page for a form whose CSRF token is missing or not this session's.
pub(crate) fn csrf_refused(lang: Lang) -> Response {
    message(
        StatusCode::FORBIDDEN,
        lang,
        &Text::new("要求を処理できませんでした", "The request could not be processed"),
        &Text::new(
            "フォームの有効期限が切れたか、このセッションのものではありません。ページを再読み込みしてもう一度お試しください。",
            "The form expired or is not from this session. Reload the page and try again.",
        ),
    )
}

impl Ctx {
    pub fn tenant(&self) -> Option<&Tenant> {
        self.state.world.tenants.iter().find(|t| t.id == self.session.tenant)
    }

    pub fn partner(&self) -> Option<&Partner> {
        self.state
            .world
            .partners
            .iter()
            .find(|p| p.tenant_id == self.session.tenant)
    }

    pub fn base(&self, title: &str, nav: &'static str, notice: Option<Notice>) -> Base {
        let partner = self.partner();
        Base {
            lang: self.lang,
            title: title.to_owned(),
            upn: self.user.user_principal_name.clone(),
            display_name: self.user.display_name.clone(),
            company: partner
                .map(|p| p.legal_business_profile.company_name.clone())
                .or_else(|| self.tenant().map(|t| t.display_name.clone()))
                .unwrap_or_default(),
            sandbox: self.state.sandbox.name.clone(),
            csrf: self.csrf.clone(),
            path: self.path.clone(),
            nav,
            notice,
            mfa: self.session.mfa,
            is_provider: partner.is_some_and(|p| {
                p.programs
                    .iter()
                    .any(|r| r.program == domain::program::Program::CspIndirectProvider)
            }),
            is_reseller: partner.is_some_and(|p| p.csp.is_some()),
        }
    }

    pub fn t<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        self.lang.t(ja, en)
    }

    /// The page's response, journaled as this user's portal request.
    pub fn finish(&self, mut res: Response) -> Response {
        res.extensions_mut().insert(Visit {
            sandbox: self.session.sandbox,
            who: std::sync::Arc::new(portal_who(&self.session, &self.user.user_principal_name)),
        });
        if let Some(l) = self.set_lang {
            res.headers_mut().append(
                header::SET_COOKIE,
                session::set_cookie(session::LANG_COOKIE, l.code(), "/", false, Some(365 * 86_400)),
            );
        }
        res
    }

    pub fn page<T: Template>(&self, status: StatusCode, t: &T) -> Response {
        self.finish(render(status, t))
    }

    /// A form's answer: back to `to` (303) when it succeeded.
    pub fn done(&self, to: &str) -> Response {
        self.finish(Redirect::to(to).into_response())
    }

    /// Runs a control-plane action as the signed-in user.
    pub async fn act(&self, s: &AppState, name: &str, mut body: Value) -> Result<ActionOutcome, CoreError> {
        if let Value::Object(m) = &mut body {
            m.insert("as".into(), Value::String(self.user.id.to_string()));
        }
        let action = Action::parse(name, &body)?;
        s.core.run_action(self.session.sandbox, action).await
    }

    /// The words of a refusal, for the notice; the journal keeps its code.
    pub fn refusal(&self, e: &CoreError) -> (StatusCode, Notice, store::journal::Note) {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let text = match e {
            CoreError::Refused(r) => self.lang.x(&r.text).to_owned(),
            CoreError::NotFound { what, id, .. } => {
                format!("{} ({what} '{id}')", self.t("見つかりません", "Not found"))
            }
            CoreError::Store(_) => self
                .t(
                    "エラーが発生しました。しばらくしてからもう一度お試しください。",
                    "Something went wrong. Try again later.",
                )
                .to_owned(),
            other => other.to_string(),
        };
        let code = match e {
            CoreError::Refused(r) => r.code.to_owned(),
            CoreError::Fault(f) => f.code.to_string(),
            CoreError::NotFound { .. } => "NotFound".into(),
            CoreError::Invalid(_) => "InvalidField".into(),
            CoreError::Conflict { .. } => "Conflict".into(),
            CoreError::Graph(g) => g.code.to_owned(),
            CoreError::Store(_) => "Internal".into(),
        };
        let field = e.field().map(str::to_owned);
        (
            status,
            Notice {
                ok: false,
                text: text.clone(),
                field: field.clone(),
            },
            store::journal::Note {
                code,
                field,
                explanation: e.to_string(),
            },
        )
    }
}

/// A flat form (`address.city=...`) as the nested JSON body of an action; blank fields are left
/// out, as a JSON client would leave them out.
pub(crate) fn nest(form: &HashMap<String, String>) -> Value {
    fn put(node: &mut Map<String, Value>, path: &[&str], v: &str) {
        match path {
            [] => {}
            [last] => {
                node.insert((*last).to_owned(), Value::String(v.to_owned()));
            }
            [first, rest @ ..] => {
                let next = node
                    .entry((*first).to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = next {
                    put(m, rest, v);
                }
            }
        }
    }
    let mut root = Map::new();
    for (k, v) in form {
        // Kept as typed: the guide's answer to 「この名前は既にシステムに存在します」 is a
        // trailing space.
        if k == "csrf" || v.trim().is_empty() || k.len() > 64 || v.len() > 1024 {
            continue;
        }
        let parts: Vec<&str> = k.split('.').take(4).collect();
        put(&mut root, &parts, v);
    }
    Value::Object(root)
}

/// A page's answer after a form: 303 back, or the page again with the refusal.
macro_rules! after_form {
    ($ctx:expr, $s:expr, $result:expr, $to:expr, $again:expr) => {
        match $result {
            Ok(_) => $ctx.done($to),
            Err(e) => {
                let (status, notice, note) = $ctx.refusal(&e);
                let mut res = $again(&$ctx, &$s, Some(notice), status).await;
                res.extensions_mut().insert(note);
                res
            }
        }
    };
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
    tab: Option<String>,
}

fn done_notice(lang: Lang, done: Option<&str>) -> Option<Notice> {
    let text = match done? {
        "registered" => lang.t(
            "パートナー アカウントを作成しました。確認メールを第一連絡先に送信しました。",
            "Your partner account is created. A verification email was sent to the primary contact.",
        ),
        "saved" => lang.t(
            "会社の詳細を更新しました。法人プロフィールの確認が新しく開始されました。",
            "Your company details are updated. A new verification of the legal profile started.",
        ),
        "resent" => lang.t("確認メールを再送信しました。", "The verification email was sent again."),
        "uploaded" => lang.t(
            "書類を提出しました。確認が完了するまでお待ちください。",
            "The document was submitted. Wait for the review to finish.",
        ),
        "enrolled" => lang.t(
            "CSP 間接リセラーとして登録しました。",
            "You are enrolled as a CSP indirect reseller.",
        ),
        "accepted" => lang.t(
            "Microsoft Partner Agreement に同意しました。",
            "You accepted the Microsoft Partner Agreement.",
        ),
        "invited" => lang.t(
            "間接リセラーに招待を送信しました。",
            "The invitation was sent to the indirect reseller.",
        ),
        "approve" => lang.t(
            "間接プロバイダーを承認しました。",
            "You approved the indirect provider.",
        ),
        "postpone" => lang.t("要求を延期しました。", "You postponed the request."),
        "gdap-approved" => lang.t(
            "パートナーの管理者アクセス要求を承認しました。有効になると、パートナーは割り当てたロールでお客様のテナントを管理できます。",
            "You approved the partner's request for admin access. Once it is active, the partner manages your tenant with the roles it assigns.",
        ),
        _ => return None,
    };
    Some(Notice {
        ok: true,
        text: text.to_owned(),
        field: None,
    })
}

fn fmt_time(lang: Lang, t: chrono::DateTime<chrono::Utc>) -> String {
    match lang {
        Lang::Ja => t.format("%Y/%m/%d %H:%M UTC").to_string(),
        Lang::En => t.format("%b %-d, %Y %H:%M UTC").to_string(),
    }
}

fn iso_to_display(lang: Lang, iso: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(iso)
        .map(|d| fmt_time(lang, d.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|_| iso.to_owned())
}

// ---------------------------------------------------------------------------------------------
// 概要 (home)

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    b: Base,
    partner: Option<PartnerView>,
    failed: bool,
    mpa_needed: bool,
    open_requests: usize,
}

pub async fn home(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = match signed_in(&s, &headers, &uri, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let p = ctx.partner();
    let open_requests = match s.core.relationship_requests(ctx.session.sandbox).await {
        Ok(all) => all
            .iter()
            .filter(|r| {
                r.request.reseller_tenant_id == ctx.session.tenant
                    && !matches!(r.request.state, domain::csp::RequestState::Approved)
            })
            .count(),
        Err(e) => return internal(ctx.lang, &e),
    };
    let page = HomePage {
        b: ctx.base(ctx.t("概要", "Overview"), "home", None),
        failed: p.is_some_and(|p| p.vetting(domain::vetting::VettingVersion::Current).0 == VettingStatus::Rejected),
        mpa_needed: p.is_some_and(|p| p.csp.is_some() && p.agreements.is_empty()),
        partner: p.map(views::partner),
        open_requests,
    };
    ctx.page(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------------
// 法的情報 (legal info)

struct StepView {
    label: String,
    class: &'static str,
    mark: &'static str,
}

struct CheckRow {
    key: &'static str,
    view: CheckView,
    reason: Option<String>,
    /// The forms that fix it: `contact`, `resend`, `domain`, `company`, `certificate`.
    remedies: Vec<&'static str>,
    review_due: Option<String>,
    link_expires: Option<String>,
}

impl CheckRow {
    fn has(&self, remedy: &str) -> bool {
        self.remedies.contains(&remedy)
    }
}

#[derive(Template)]
#[template(path = "portal/legal.html")]
struct LegalPage {
    b: Base,
    tab: String,
    partner: Option<PartnerView>,
    profile: Option<LegalBusinessProfile>,
    status_label: String,
    status_class: &'static str,
    steps: Vec<StepView>,
    checks: Vec<CheckRow>,
    csp: Option<CspView>,
    reseller_line: Option<String>,
    /// The sandbox's today, the default issue date of a document.
    today: String,
    country: String,
    review_days: u32,
}

fn remedies(key: &str, check: &CheckView) -> Vec<&'static str> {
    let by_reason: Vec<&'static str> = match check.reason.as_ref().map(|r| r.code) {
        Some("webmail") | Some("onMicrosoft") => vec!["contact"],
        Some("linkExpired") => vec!["resend"],
        Some("domainMismatch") => vec!["domain", "contact"],
        Some("notInRegistry") | Some("nameDiffers") | Some("addressDiffers") => vec!["certificate", "company"],
        Some("documentTooOld") => vec!["certificate"],
        Some(_) => match key {
            "emailOwnership" => vec!["resend", "contact"],
            "employment" => vec!["domain"],
            _ => vec!["certificate"],
        },
        None => Vec::new(),
    };
    if check.state == "rejected" {
        by_reason
    } else if check.state == "pending" && key == "emailOwnership" {
        vec!["resend"]
    } else {
        Vec::new()
    }
}

async fn legal_page(
    ctx: &Ctx,
    s: &AppState,
    notice: Option<Notice>,
    status: StatusCode,
    tab: Option<&str>,
) -> Response {
    let _ = s;
    let lang = ctx.lang;
    let p = ctx.partner();
    let pv = p.map(views::partner);
    let (steps, checks, status_label, status_class) = match &pv {
        Some(v) => {
            let c = &v.verification.checks;
            let rows = [
                ("emailOwnership", &c.email_ownership),
                ("employment", &c.employment),
                ("company", &c.company),
            ];
            let mut steps = vec![
                StepView {
                    label: lang.t("パートナー", "Partner").into(),
                    class: "approved",
                    mark: "✓",
                },
                StepView {
                    label: lang.t("法人プロフィール", "Legal profile").into(),
                    class: "approved",
                    mark: "✓",
                },
            ];
            let mut checks = Vec::new();
            for (key, cv) in rows {
                steps.push(StepView {
                    label: lang.x(&cv.name).to_owned(),
                    class: cv.state,
                    mark: match cv.state {
                        "approved" => "✓",
                        "rejected" => "✕",
                        _ => "…",
                    },
                });
                checks.push(CheckRow {
                    key,
                    remedies: remedies(key, cv),
                    reason: cv.reason.as_ref().map(|r| lang.x(&r.text).to_owned()),
                    review_due: cv.review_due.as_deref().map(|d| iso_to_display(lang, d)),
                    link_expires: cv.link_expires_at.as_deref().map(|d| iso_to_display(lang, d)),
                    view: CheckView {
                        state: cv.state,
                        label: cv.label.clone(),
                        name: cv.name.clone(),
                        reason: None,
                        review_due: cv.review_due.clone(),
                        documents: cv.documents.clone(),
                        link_sent_to: cv.link_sent_to.clone(),
                        link_expires_at: cv.link_expires_at.clone(),
                    },
                });
            }
            (
                steps,
                checks,
                lang.x(&v.verification.label).to_owned(),
                match v.verification.status {
                    "authorized" => "approved",
                    other => other,
                },
            )
        }
        None => (Vec::new(), Vec::new(), String::new(), "pending"),
    };
    let tab = match tab {
        Some("reseller") if pv.as_ref().is_some_and(|v| v.csp.is_some()) => "reseller",
        _ => "partner",
    };
    let reseller_line = pv.as_ref().and_then(|v| {
        v.programs
            .iter()
            .find(|p| p.program == "csp-indirect-reseller")
            .map(|p| lang.x(&p.status_line).to_owned())
    });
    let page = LegalPage {
        b: ctx.base(ctx.t("法的情報", "Legal info"), "legal", notice),
        tab: tab.to_owned(),
        profile: p.map(|p| p.legal_business_profile.clone()),
        csp: pv.as_ref().and_then(|v| {
            v.csp.as_ref().map(|c| CspView {
                partner_id: c.partner_id.clone(),
                location_tenant_id: c.location_tenant_id.clone(),
                country: c.country.clone(),
                support: c.support.clone(),
                enrolled_at: iso_to_display(lang, &c.enrolled_at),
                can_transact: c.can_transact,
            })
        }),
        partner: pv,
        status_label,
        status_class,
        steps,
        checks,
        reseller_line,
        today: ctx.state.now.format("%Y-%m-%d").to_string(),
        country: ctx.tenant().map(|t| t.country.clone()).unwrap_or_default(),
        review_days: ctx.state.sandbox.review_business_days,
    };
    ctx.page(status, &page)
}

pub async fn legal(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = match signed_in(&s, &headers, &uri, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let q: DoneQuery = super::query(&uri);
    let notice = done_notice(ctx.lang, q.done.as_deref());
    legal_page(&ctx, &s, notice, StatusCode::OK, q.tab.as_deref()).await
}

async fn legal_again(ctx: &Ctx, s: &AppState, notice: Option<Notice>, status: StatusCode) -> Response {
    legal_page(ctx, s, notice, status, None).await
}

/// Reads a form after checking the session and the CSRF token.
async fn form_ctx(
    s: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    form: &HashMap<String, String>,
    need_mfa: bool,
) -> Result<Ctx, Response> {
    let ctx = signed_in(s, headers, uri, need_mfa).await?;
    if !s
        .portal_key
        .csrf_ok(&ctx.session.nonce, form.get("csrf").map(String::as_str))
    {
        return Err(ctx.finish(csrf_refused(ctx.lang)));
    }
    Ok(ctx)
}

type FormMap = Form<HashMap<String, String>>;

/// `POST /dashboard/account/legal/register`: 登録 (a new partner account for the user's tenant).
pub async fn register(State(s): State<AppState>, headers: HeaderMap, uri: Uri, Form(form): FormMap) -> Response {
    let ctx = match form_ctx(&s, &headers, &uri, &form, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = ctx.act(&s, "register-partner", nest(&form)).await;
    after_form!(ctx, s, result, "/dashboard/account/legal?done=registered", legal_again)
}

/// `POST /dashboard/account/legal/company`: 会社の詳細 [更新] (name and address).
pub async fn update_company(State(s): State<AppState>, headers: HeaderMap, uri: Uri, Form(form): FormMap) -> Response {
    let ctx = match form_ctx(&s, &headers, &uri, &form, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = ctx.act(&s, "update-legal-profile", nest(&form)).await;
    after_form!(ctx, s, result, "/dashboard/account/legal?done=saved", legal_again)
}

/// `POST /dashboard/account/legal/contact`: the primary contact (第一連絡先担当者).
pub async fn update_contact(State(s): State<AppState>, headers: HeaderMap, uri: Uri, Form(form): FormMap) -> Response {
    let ctx = match form_ctx(&s, &headers, &uri, &form, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = ctx.act(&s, "update-legal-profile", nest(&form)).await;
    after_form!(ctx, s, result, "/dashboard/account/legal?done=saved", legal_again)
}

/// `POST /dashboard/account/legal/resend`: 確認メールの再送信.
pub async fn resend(State(s): State<AppState>, headers: HeaderMap, uri: Uri, Form(form): FormMap) -> Response {
    let ctx = match form_ctx(&s, &headers, &uri, &form, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = ctx.act(&s, "resend-verification-email", json!({})).await;
    after_form!(ctx, s, result, "/dashboard/account/legal?done=resent", legal_again)
}

/// The most bytes of a document the portal reads (the file is not kept: only that it came).
const MAX_DOCUMENT: usize = super::MAX_UPLOAD;

/// `POST /dashboard/account/legal/document` (multipart): a document for a rejected check, up
/// to 10 MiB. Its content is read and dropped; the review is the sandbox's.
pub async fn upload(State(s): State<AppState>, headers: HeaderMap, uri: Uri, mut mp: Multipart) -> Response {
    let (lang, _) = lang_of(&headers, &uri);
    let mut form = HashMap::new();
    let mut file_bytes = 0usize;
    let mut too_big = false;
    loop {
        match mp.next_field().await {
            Ok(Some(mut field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                if name == "file" {
                    loop {
                        match field.chunk().await {
                            Ok(Some(chunk)) => {
                                file_bytes += chunk.len();
                                if file_bytes > MAX_DOCUMENT {
                                    too_big = true;
                                    break;
                                }
                            }
                            Ok(None) => break,
                            Err(_) => {
                                too_big = true;
                                break;
                            }
                        }
                    }
                    if too_big {
                        break;
                    }
                } else if form.len() < 16 {
                    let text = field.text().await.unwrap_or_default();
                    form.insert(name, text.chars().take(256).collect::<String>());
                }
            }
            Ok(None) => break,
            Err(_) => {
                too_big = true;
                break;
            }
        }
    }
    if too_big {
        return message(
            StatusCode::PAYLOAD_TOO_LARGE,
            lang,
            &Text::new("ファイルが大きすぎます", "The file is too large"),
            &Text::new(
                "10 MB 以下のファイルをアップロードしてください。",
                "Upload a file of 10 MB or less.",
            ),
        );
    }
    let ctx = match form_ctx(&s, &headers, &uri, &form, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if file_bytes == 0 {
        let (status, notice, note) = ctx.refusal(&CoreError::Refused(
            domain::message::Refusal::new(
                domain::message::RefusalKind::Invalid,
                "DocumentRequired",
                "アップロードするファイルを選択してください。",
                "Choose a file to upload.",
            )
            .on("file"),
        ));
        let mut res = legal_page(&ctx, &s, Some(notice), status, None).await;
        res.extensions_mut().insert(note);
        return res;
    }
    let result = ctx.act(&s, "upload-document", nest(&form)).await;
    after_form!(ctx, s, result, "/dashboard/account/legal?done=uploaded", legal_again)
}

// ---------------------------------------------------------------------------------------------
// 識別子, プログラム

struct IdRow {
    partner_id: String,
    kind: &'static str,
    company: String,
    country: String,
    contact: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "portal/identifiers.html")]
struct IdentifiersPage {
    b: Base,
    rows: Vec<IdRow>,
    csp: Option<String>,
}

pub async fn identifiers(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = match signed_in(&s, &headers, &uri, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let p = ctx.partner();
    let rows = p
        .map(|p| {
            p.partner_ids
                .iter()
                .map(|r| IdRow {
                    partner_id: r.partner_id.to_string(),
                    kind: match r.kind {
                        domain::partner_id::PartnerIdKind::PartnerGlobal => "PartnerGlobal",
                        domain::partner_id::PartnerIdKind::PartnerLocation => "PartnerLocation",
                    },
                    company: p.legal_business_profile.company_name.clone(),
                    country: r.country.clone(),
                    contact: p.legal_business_profile.primary_contact.email.clone(),
                    status: match r.status {
                        domain::partner_id::PartnerIdStatus::Active => "active",
                        domain::partner_id::PartnerIdStatus::Inactive => "inactive",
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    let page = IdentifiersPage {
        b: ctx.base(ctx.t("識別子", "Identifiers"), "identifiers", None),
        rows,
        csp: p.and_then(|p| p.csp.as_ref().map(|c| c.partner_id.to_string())),
    };
    ctx.page(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "portal/programs.html")]
struct ProgramsPage {
    b: Base,
    partner: Option<PartnerView>,
}

pub async fn programs(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = match signed_in(&s, &headers, &uri, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let page = ProgramsPage {
        b: ctx.base(ctx.t("プログラム", "Programs"), "programs", None),
        partner: ctx.partner().map(views::partner),
    };
    ctx.page(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------------
// CSP 間接リセラー登録

#[derive(Template)]
#[template(path = "portal/enroll.html")]
struct EnrollPage {
    b: Base,
    enrolled: bool,
    v: HashMap<String, String>,
    country: String,
}

impl EnrollPage {
    fn val(&self, k: &str) -> &str {
        self.v.get(k).map(String::as_str).unwrap_or_default()
    }
}

fn enroll_defaults(ctx: &Ctx) -> HashMap<String, String> {
    let mut v = HashMap::new();
    if let Some(p) = ctx.partner() {
        let l = &p.legal_business_profile;
        let a = &l.address;
        let mut put = |k: &str, val: &str| {
            v.insert(k.to_owned(), val.to_owned());
        };
        if let Some(id) = p
            .partner_ids
            .iter()
            .find(|r| r.kind == domain::partner_id::PartnerIdKind::PartnerLocation)
        {
            put("partnerId", &id.partner_id.to_string());
        }
        put("companyName", &l.company_name);
        put("address.addressLine1", &a.address_line1);
        put("address.addressLine2", a.address_line2.as_deref().unwrap_or_default());
        put("address.state", a.state.as_deref().unwrap_or_default());
        put("address.city", &a.city);
        put("address.postalCode", &a.postal_code);
        put("address.country", &a.country);
        put("primaryContact.firstName", &l.primary_contact.first_name);
        put("primaryContact.lastName", &l.primary_contact.last_name);
        put("primaryContact.email", &l.primary_contact.email);
        put(
            "primaryContact.phoneNumber",
            l.primary_contact.phone_number.as_deref().unwrap_or_default(),
        );
        put("supportProfile.website", p.website.as_deref().unwrap_or_default());
        put("supportProfile.email", &l.primary_contact.email);
    }
    v
}

async fn enroll_page(ctx: &Ctx, v: HashMap<String, String>, notice: Option<Notice>, status: StatusCode) -> Response {
    let page = EnrollPage {
        b: ctx.base(
            ctx.t("CSP 間接リセラー登録", "CSP indirect reseller enrollment"),
            "programs",
            notice,
        ),
        enrolled: ctx.partner().is_some_and(|p| p.csp.is_some()),
        v,
        country: ctx.tenant().map(|t| t.country.clone()).unwrap_or_default(),
    };
    ctx.page(status, &page)
}

pub async fn enroll_form(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = match signed_in(&s, &headers, &uri, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let v = enroll_defaults(&ctx);
    enroll_page(&ctx, v, None, StatusCode::OK).await
}

/// `POST .../csp-indirect-reseller`: 今すぐ登録する. A refusal shows the form again as typed.
pub async fn enroll(State(s): State<AppState>, headers: HeaderMap, uri: Uri, Form(form): FormMap) -> Response {
    let ctx = match form_ctx(&s, &headers, &uri, &form, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match ctx.act(&s, "enroll-csp-indirect-reseller", nest(&form)).await {
        Ok(_) => ctx.done("/dashboard/account/legal?tab=reseller&done=enrolled"),
        Err(e) => {
            let (status, notice, note) = ctx.refusal(&e);
            let mut v = form.clone();
            v.remove("csrf");
            let mut res = enroll_page(&ctx, v, Some(notice), status).await;
            res.extensions_mut().insert(note);
            res
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 契約 (agreements)

#[derive(Template)]
#[template(path = "portal/agreements.html")]
struct AgreementsPage {
    b: Base,
    enrolled: bool,
    accepted: Option<(String, String)>,
}

async fn agreements_page(ctx: &Ctx, _s: &AppState, notice: Option<Notice>, status: StatusCode) -> Response {
    let p = ctx.partner();
    let page = AgreementsPage {
        b: ctx.base(ctx.t("契約", "Agreements"), "agreements", notice),
        // Resellers and indirect providers alike sign the MPA.
        enrolled: p.is_some_and(|p| {
            p.csp.is_some()
                || p.program(domain::program::Program::CspIndirectProvider)
                    == Some(domain::program::ProgramStatus::Active)
        }),
        accepted: p.and_then(|p| {
            p.agreements
                .first()
                .map(|a| (fmt_time(ctx.lang, a.accepted_at), a.accepted_by_upn.clone()))
        }),
    };
    ctx.page(status, &page)
}

pub async fn agreements(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = match signed_in(&s, &headers, &uri, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let q: DoneQuery = super::query(&uri);
    agreements_page(&ctx, &s, done_notice(ctx.lang, q.done.as_deref()), StatusCode::OK).await
}

/// `POST /dashboard/account/agreements/accept`: 承諾する (a Global admin).
pub async fn accept_agreement(
    State(s): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): FormMap,
) -> Response {
    let ctx = match form_ctx(&s, &headers, &uri, &form, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = ctx
        .act(
            &s,
            "accept-agreement",
            json!({"agreementType": "MicrosoftPartnerAgreement"}),
        )
        .await;
    after_form!(
        ctx,
        s,
        result,
        "/dashboard/account/agreements?done=accepted",
        agreements_page
    )
}

// ---------------------------------------------------------------------------------------------
// 間接プロバイダー / 間接リセラー / パートナーシップを確認する (MFA-protected: /commerce)

struct RequestRow {
    company: String,
    state: &'static str,
    state_label: String,
    created: String,
    url: String,
}

fn state_label(lang: Lang, st: domain::csp::RequestState) -> String {
    match st {
        domain::csp::RequestState::Pending => lang.t("保留中", "Pending"),
        domain::csp::RequestState::Postponed => lang.t("延期", "Postponed"),
        domain::csp::RequestState::Approved => lang.t("承認済み", "Approved"),
    }
    .to_owned()
}

fn rows(lang: Lang, all: &[RelationshipState], provider_side: bool, me: domain::TenantId) -> Vec<RequestRow> {
    all.iter()
        .filter(|r| {
            if provider_side {
                r.request.provider_tenant_id == me
            } else {
                r.request.reseller_tenant_id == me
            }
        })
        .map(|r| RequestRow {
            company: if provider_side {
                r.reseller.legal_business_profile.company_name.clone()
            } else {
                r.provider.legal_business_profile.company_name.clone()
            },
            state: r.request.state.as_str(),
            state_label: state_label(lang, r.request.state),
            created: fmt_time(lang, r.request.created_at),
            url: format!("/commerce/indirectresellers/relationshiprequest/{}", r.request.id),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/relationships.html")]
struct RelationshipsPage {
    b: Base,
    provider_side: bool,
    rows: Vec<RequestRow>,
}

async fn relationships_page(
    ctx: &Ctx,
    s: &AppState,
    provider_side: bool,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let all = match s.core.relationship_requests(ctx.session.sandbox).await {
        Ok(a) => a,
        Err(e) => return internal(ctx.lang, &e),
    };
    let page = RelationshipsPage {
        b: ctx.base(
            if provider_side {
                ctx.t("間接リセラー", "Indirect resellers")
            } else {
                ctx.t("間接プロバイダー", "Indirect providers")
            },
            if provider_side { "resellers" } else { "providers" },
            notice,
        ),
        provider_side,
        rows: rows(ctx.lang, &all, provider_side, ctx.session.tenant),
    };
    ctx.page(status, &page)
}

pub async fn providers(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = match signed_in(&s, &headers, &uri, true).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    relationships_page(&ctx, &s, false, None, StatusCode::OK).await
}

pub async fn resellers(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = match signed_in(&s, &headers, &uri, true).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let q: DoneQuery = super::query(&uri);
    let notice = done_notice(ctx.lang, q.done.as_deref());
    relationships_page(&ctx, &s, true, notice, StatusCode::OK).await
}

async fn resellers_again(ctx: &Ctx, s: &AppState, notice: Option<Notice>, status: StatusCode) -> Response {
    relationships_page(ctx, s, true, notice, status).await
}

/// `POST /commerce/indirectresellers/invite`: a provider invites a reseller by its partner ID.
pub async fn invite(State(s): State<AppState>, headers: HeaderMap, uri: Uri, Form(form): FormMap) -> Response {
    let ctx = match form_ctx(&s, &headers, &uri, &form, true).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = ctx.act(&s, "invite-reseller", nest(&form)).await;
    after_form!(
        ctx,
        s,
        result,
        "/commerce/indirectresellers?done=invited",
        resellers_again
    )
}

#[derive(Template)]
#[template(path = "portal/request.html")]
struct RequestPage {
    b: Base,
    id: String,
    provider: LegalBusinessProfile,
    reseller: String,
    state: &'static str,
    state_label: String,
    consent: &'static str,
    mine: bool,
}

async fn request_page(ctx: &Ctx, s: &AppState, id: &str, notice: Option<Notice>, status: StatusCode) -> Response {
    let found = if id.len() > 64 {
        Ok(None)
    } else {
        s.core.relationship_request(id).await
    };
    let st = match found {
        Ok(Some(st))
            if st.request.reseller_tenant_id == ctx.session.tenant
                || st.request.provider_tenant_id == ctx.session.tenant =>
        {
            st
        }
        Ok(_) => {
            return ctx.finish(message(
                StatusCode::NOT_FOUND,
                ctx.lang,
                &Text::new("要求が見つかりません", "Request not found"),
                &Text::new(
                    "このパートナーシップの要求は存在しないか、お客様の組織宛てではありません。",
                    "There is no such partnership request for your organization.",
                ),
            ))
        }
        Err(e) => return internal(ctx.lang, &e),
    };
    let page = RequestPage {
        b: ctx.base(
            ctx.t("パートナーシップを確認する", "Confirm the partnership"),
            "providers",
            notice,
        ),
        id: st.request.id.clone(),
        provider: st.provider.legal_business_profile.clone(),
        reseller: st.reseller.legal_business_profile.company_name.clone(),
        state: st.request.state.as_str(),
        state_label: state_label(ctx.lang, st.request.state),
        consent: ctx.t(domain::csp::CONSENT_JA, domain::csp::CONSENT_EN),
        mine: st.request.reseller_tenant_id == ctx.session.tenant,
    };
    ctx.page(status, &page)
}

/// `GET /commerce/indirectresellers/relationshiprequest/{id}` (STEP4): the provider's request,
/// the consent checkbox, 間接プロバイダーの承認 and 要求を延期する.
pub async fn relationship_request(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let ctx = match signed_in(&s, &headers, &uri, true).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let q: DoneQuery = super::query(&uri);
    request_page(&ctx, &s, &id, done_notice(ctx.lang, q.done.as_deref()), StatusCode::OK).await
}

/// `POST` of the same page: `decision` (`approve`/`postpone`) and the consent checkbox.
pub async fn respond(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): FormMap,
) -> Response {
    let ctx = match form_ctx(&s, &headers, &uri, &form, true).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let decision = form.get("decision").cloned().unwrap_or_default();
    let body = json!({
        "requestId": id,
        "decision": decision,
        "consent": form.get("consent").is_some_and(|v| v == "on" || v == "true"),
    });
    let result = ctx.act(&s, "respond-relationship-request", body).await;
    let done = if decision == "postpone" { "postpone" } else { "approve" };
    let to = format!(
        "/commerce/indirectresellers/relationshiprequest/{}?done={done}",
        pcsandbox_core::entra::signin::pct(&id)
    );
    after_form!(ctx, s, result, &to, |c, s, n, st| request_page(c, s, &id, n, st))
}

// ---------------------------------------------------------------------------------------------
// セキュリティ要件 (security requirements)

#[derive(Template)]
#[template(path = "portal/security.html")]
struct SecurityPage {
    b: Base,
    users_total: usize,
    users_mfa: usize,
    requests_total: usize,
    requests_mfa: usize,
    api_total: usize,
    portal_total: usize,
    /// (UPN, last request without MFA)
    non_mfa: Vec<(String, String)>,
}

impl SecurityPage {
    fn pct(&self, part: usize, total: usize) -> String {
        if total == 0 {
            "–".to_owned()
        } else {
            format!("{:.0}%", part as f64 * 100.0 / total as f64)
        }
    }
}

pub async fn security(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = match signed_in(&s, &headers, &uri, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let users: Vec<&User> = ctx
        .state
        .world
        .users
        .iter()
        .filter(|u| u.tenant_id == ctx.session.tenant)
        .collect();
    let requests = match s
        .core
        .tenant_partner_requests(ctx.session.sandbox, ctx.session.tenant)
        .await
    {
        Ok(r) => r,
        Err(e) => return internal(ctx.lang, &e),
    };
    let portal_app = pcsandbox_core::entra::PORTAL_CLIENT_ID;
    let non_mfa = domain::mfa_report::non_mfa_compliant(&requests)
        .into_iter()
        .map(|n| (n.upn.clone(), fmt_time(ctx.lang, n.last_non_mfa_request)))
        .collect();
    let page = SecurityPage {
        b: ctx.base(ctx.t("セキュリティ要件", "Security requirements"), "security", None),
        users_total: users.len(),
        users_mfa: users.iter().filter(|u| u.mfa == domain::MfaState::Registered).count(),
        requests_total: requests.len(),
        requests_mfa: requests.iter().filter(|r| r.mfa).count(),
        api_total: requests.iter().filter(|r| r.app_id != portal_app).count(),
        portal_total: requests.iter().filter(|r| r.app_id == portal_app).count(),
        non_mfa,
    };
    ctx.page(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_flat_form_becomes_the_actions_nested_body() {
        let form: HashMap<String, String> = [
            ("csrf", "t"),
            ("companyName", "Contoso "),
            ("address.city", "千代田区"),
            ("address.state", ""),
            ("primaryContact.email", "a@contoso.co.jp"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            nest(&form),
            json!({"companyName": "Contoso ", "address": {"city": "千代田区"}, "primaryContact": {"email": "a@contoso.co.jp"}})
        );
    }

    #[test]
    fn a_rejected_check_offers_the_remedy_of_its_cause() {
        let check = |state: &'static str, code: Option<&'static str>| CheckView {
            state,
            label: Text::new("", ""),
            name: Text::new("", ""),
            reason: code.map(|code| views::ReasonView {
                code,
                text: Text::new("", ""),
            }),
            review_due: None,
            documents: Vec::new(),
            link_sent_to: None,
            link_expires_at: None,
        };
        assert_eq!(
            remedies("emailOwnership", &check("rejected", Some("webmail"))),
            ["contact"]
        );
        assert_eq!(
            remedies("employment", &check("rejected", Some("domainMismatch"))),
            ["domain", "contact"]
        );
        assert_eq!(
            remedies("company", &check("rejected", Some("addressDiffers"))),
            ["certificate", "company"]
        );
        assert_eq!(
            remedies("company", &check("rejected", Some("documentTooOld"))),
            ["certificate"]
        );
        assert_eq!(remedies("emailOwnership", &check("pending", None)), ["resend"]);
        assert!(remedies("company", &check("approved", None)).is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// GDAP: the customer's approval of a partner's granular delegated admin relationship
// (admin.microsoft.com's `#/partners/invitation/granularAdminRelationships/{id}`).

#[derive(Template)]
#[template(path = "portal/gdap.html")]
struct GdapPage {
    b: Base,
    id: String,
    partner: String,
    name: String,
    duration: String,
    status: &'static str,
    status_label: &'static str,
    roles: Vec<String>,
    pending: bool,
}

/// A relationship's status in the page's language.
fn gdap_status_label(lang: Lang, s: domain::gdap::Status) -> &'static str {
    use domain::gdap::Status;
    let (ja, en) = match s {
        Status::Created => ("作成済み", "Created"),
        Status::ApprovalPending => ("承認待ち", "Approval pending"),
        Status::Approved => ("承認済み", "Approved"),
        Status::Activating => ("アクティブ化しています", "Activating"),
        Status::Active => ("アクティブ", "Active"),
        Status::Expiring => ("期限切れの処理中", "Expiring"),
        Status::Expired => ("期限切れ", "Expired"),
        Status::TerminationRequested => ("終了が要求されました", "Termination requested"),
        Status::Terminating => ("終了しています", "Terminating"),
        Status::Terminated => ("終了", "Terminated"),
    };
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

async fn gdap_page(ctx: &Ctx, s: &AppState, id: &str, notice: Option<Notice>, status: StatusCode) -> Response {
    let found = if id.len() > 100 {
        Ok(None)
    } else {
        s.core.gdap_invitation(ctx.session.sandbox, id).await
    };
    let (r, partner) = match found {
        Ok(Some(x)) => x,
        Ok(None) => {
            return ctx.finish(message(
                StatusCode::NOT_FOUND,
                ctx.lang,
                &Text::new("要求が見つかりません", "Request not found"),
                &Text::new(
                    "この GDAP 関係の要求は存在しません。",
                    "There is no such GDAP relationship request.",
                ),
            ))
        }
        Err(e) => return internal(ctx.lang, &e),
    };
    let page = GdapPage {
        b: ctx.base(ctx.t("管理者アクセス要求", "Admin access request"), "home", notice),
        id: r.id.clone(),
        partner,
        name: r.display_name.clone(),
        duration: r.duration.clone(),
        status: r.status.as_str(),
        status_label: gdap_status_label(ctx.lang, r.status),
        roles: pcsandbox_core::gdap::gdap_role_names(&r.roles),
        pending: r.status == domain::gdap::Status::ApprovalPending,
    };
    ctx.page(status, &page)
}

/// `GET /AdminPortal/partners/invitation/granularAdminRelationships/{id}`.
pub async fn gdap_invitation(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let ctx = match signed_in(&s, &headers, &uri, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let q: DoneQuery = super::query(&uri);
    gdap_page(&ctx, &s, &id, done_notice(ctx.lang, q.done.as_deref()), StatusCode::OK).await
}

/// `POST` of the same page: すべて承認 (Approve all), as the signed-in user.
pub async fn gdap_approve(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): FormMap,
) -> Response {
    let ctx = match form_ctx(&s, &headers, &uri, &form, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = ctx
        .act(&s, "approve-gdap-relationship", json!({"relationshipId": id}))
        .await;
    let to = format!(
        "/AdminPortal/partners/invitation/granularAdminRelationships/{}?done=gdap-approved",
        pcsandbox_core::entra::signin::pct(&id)
    );
    after_form!(ctx, s, result, &to, |c, s, n, st| gdap_page(c, s, &id, n, st))
}
