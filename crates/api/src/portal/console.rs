//! The sandbox console (`/console`): the tester's view of the whole emulator, on one local page
//! per sandbox (the Firebase emulator UI is the model). Sandboxes (create from a scenario,
//! reset, delete), each one's tenants and users (passwords hidden until asked for, the TOTP code
//! of the moment on the sandbox clock), partners with their three checks, the mailbox with its
//! links, the request journal with each refusal's reason, the clock, and links that sign in to
//! the portal as any user. Behind the admin key when one is set (a signed cookie after
//! `/console/login`); every form carries a CSRF token.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use domain::team::{Access, TeamName};
use pcsandbox_core::clock::Advance;
use pcsandbox_core::onboarding::MailQuery;
use pcsandbox_core::sandboxes::{NewSandbox, SandboxName, SandboxState, ScenarioSource};
use pcsandbox_core::CoreError;
use subtle::ConstantTimeEq;

use super::render;
use super::session::{self, ConsoleSession, CONSOLE_COOKIE};
use super::signin::sign_in_url;
use crate::control::views::{self, SandboxView};
use crate::AppState;

/// A console session lasts this long (real time).
const CONSOLE_SECS: i64 = 12 * 3600;
/// Sandboxes listed on the console's first page.
const LISTED: usize = 200;
/// Mails and journal entries a page shows.
const SHOWN: usize = 200;

pub fn router(_state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/console", get(home))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console/sandboxes", post(create))
        .route("/console/sandboxes/{sid}", get(sandbox))
        .route("/console/sandboxes/{sid}/reset", post(reset))
        .route("/console/sandboxes/{sid}/delete", post(delete))
        .route("/console/sandboxes/{sid}/clock", post(advance))
        .route("/console/sandboxes/{sid}/mailbox", get(mailbox))
        .route("/console/sandboxes/{sid}/journal", get(journal))
        .route("/console/sandboxes/{sid}/webhooks", get(webhooks))
}

/// The console's session of this request: the cookie's, or (without an admin key) a new one
/// that the response sets. `Err` sends the browser to the login page.
struct Console {
    session: ConsoleSession,
    /// A new session's cookie, to set on the response.
    set: Option<String>,
    csrf: String,
    access: Access,
    /// Whether the browser came over HTTPS (the cookie is then `Secure`).
    secure: bool,
}

impl Console {
    /// What this session may see: everything on an open server or with the admin key, its
    /// team's sandboxes with a team key.
    fn access(&self, _: &AppState) -> Access {
        self.access.clone()
    }

    fn finish(&self, mut res: Response) -> Response {
        if let Some(c) = &self.set {
            res.headers_mut().append(
                header::SET_COOKIE,
                session::set_cookie(CONSOLE_COOKIE, c, "/console", self.secure, Some(CONSOLE_SECS)),
            );
        }
        res
    }
}

// The error is the answer itself (a redirect), built once per request.
#[allow(clippy::result_large_err)]
async fn open(s: &AppState, headers: &HeaderMap) -> Result<Console, Response> {
    let now = s.core.clock.now().timestamp();
    if let Some(sess) = session::cookie(headers, CONSOLE_COOKIE)
        .and_then(|c| s.portal_key.open::<ConsoleSession>(CONSOLE_COOKIE, c, now))
    {
        // A revoked team's session ends with its key.
        let access = match (&s.settings.admin_key, &sess.team) {
            (None, _) => Access::Open,
            (Some(_), None) => Access::Admin,
            (Some(_), Some(team)) => match TeamName::parse("team", team) {
                Ok(t) if s.core.team_exists(&t).await.unwrap_or(false) => Access::Team(t),
                _ => {
                    let mut res = Redirect::to("/console/login").into_response();
                    res.headers_mut()
                        .append(header::SET_COOKIE, session::clear_cookie(CONSOLE_COOKIE, "/console"));
                    return Err(res);
                }
            },
        };
        let csrf = s.portal_key.csrf(&sess.nonce);
        return Ok(Console {
            session: sess,
            set: None,
            csrf,
            access,
            secure: over_https(s, headers),
        });
    }
    if s.settings.admin_key.is_some() {
        return Err(Redirect::to("/console/login").into_response());
    }
    let sess = new_session(s, now, None);
    let csrf = s.portal_key.csrf(&sess.nonce);
    Ok(Console {
        set: Some(s.portal_key.seal(CONSOLE_COOKIE, &sess)),
        session: sess,
        csrf,
        access: Access::Open,
        secure: over_https(s, headers),
    })
}

/// Whether the browser reached the console over HTTPS.
fn over_https(s: &AppState, headers: &HeaderMap) -> bool {
    super::origin(s, headers, &axum::http::Uri::default()).starts_with("https://")
}

fn new_session(s: &AppState, now: i64, team: Option<String>) -> ConsoleSession {
    ConsoleSession {
        expires: now + CONSOLE_SECS,
        nonce: URL_SAFE_NO_PAD.encode(s.core.random.bytes(16)),
        team,
    }
}

/// A console form: the session and its CSRF token, or the refusal.
#[allow(clippy::result_large_err)]
async fn form_console(s: &AppState, headers: &HeaderMap, form: &HashMap<String, String>) -> Result<Console, Response> {
    let c = open(s, headers).await?;
    if c.set.is_some()
        || !s
            .portal_key
            .csrf_ok(&c.session.nonce, form.get("csrf").map(String::as_str))
    {
        return Err(super::pages::csrf_refused(super::Lang::En));
    }
    Ok(c)
}

fn problem(e: &CoreError) -> (StatusCode, String) {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let text = match e {
        CoreError::Refused(r) => format!("{} ({})", r.text.en, r.code),
        CoreError::Store(_) => "internal error; see the server log".to_owned(),
        other => other.to_string(),
    };
    (status, text)
}

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    error: Option<String>,
}

async fn login_page() -> Response {
    render(StatusCode::OK, &LoginPage { error: None })
}

/// `POST /console/login`: the admin key, compared in constant time.
async fn login(State(s): State<AppState>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let Some(want) = s.settings.admin_key.as_deref() else {
        return Redirect::to("/console").into_response();
    };
    let got = form.get("key").map(String::as_str).unwrap_or_default().trim();
    let admin = !want.trim().is_empty() && bool::from(got.as_bytes().ct_eq(want.as_bytes()));
    let team = if admin {
        None
    } else {
        match s.core.team_of_key(got).await {
            Ok(Some(t)) => Some(t.to_string()),
            _ => {
                return render(
                    StatusCode::UNAUTHORIZED,
                    &LoginPage {
                        error: Some("That is neither the admin key (PCSANDBOX_ADMIN_KEY) nor a team's key.".into()),
                    },
                )
            }
        }
    };
    let sess = new_session(&s, s.core.clock.now().timestamp(), team);
    let mut res = Redirect::to("/console").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(
            CONSOLE_COOKIE,
            &s.portal_key.seal(CONSOLE_COOKIE, &sess),
            "/console",
            over_https(&s, &headers),
            Some(CONSOLE_SECS),
        ),
    );
    res
}

async fn logout(State(s): State<AppState>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = form_console(&s, &headers, &form).await {
        return r;
    }
    let mut res = Redirect::to("/console").into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, session::clear_cookie(CONSOLE_COOKIE, "/console"));
    res
}

struct SandboxRow {
    name: String,
    id: String,
    scenario: String,
    tenants: usize,
    users: usize,
    now: String,
    unreadable: Option<String>,
}

#[derive(Template)]
#[template(path = "console/home.html")]
struct HomePage {
    csrf: String,
    keyed: bool,
    rows: Vec<SandboxRow>,
    scenarios: Vec<(String, String)>,
    error: Option<String>,
}

async fn home_page(s: &AppState, c: &Console, error: Option<String>, status: StatusCode) -> Response {
    let page = match s.core.list_sandboxes(&c.access(s), None, LISTED).await {
        Ok(p) => p,
        Err(e) => return c.finish(render_error(&e)),
    };
    let rows = page
        .items
        .iter()
        .map(|st| SandboxRow {
            name: st.sandbox.name.clone(),
            id: st.sandbox.id.to_string(),
            scenario: st.sandbox.scenario_name.clone().unwrap_or_default(),
            tenants: st.world.tenants.len(),
            users: st.world.users.len(),
            now: st.now.format("%Y-%m-%d %H:%M UTC").to_string(),
            unreadable: st.unreadable.clone(),
        })
        .collect();
    let mut scenarios: Vec<(String, String)> = s
        .core
        .catalog
        .list()
        .map(|e| {
            (
                e.name.clone(),
                e.description.lines().next().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    scenarios.sort();
    let html = HomePage {
        csrf: c.csrf.clone(),
        keyed: s.settings.admin_key.is_some(),
        rows,
        scenarios,
        error,
    };
    c.finish(render(status, &html))
}

fn render_error(e: &CoreError) -> Response {
    let (status, text) = problem(e);
    render(status, &LoginPage { error: Some(text) })
}

async fn home(State(s): State<AppState>, headers: HeaderMap) -> Response {
    match open(&s, &headers).await {
        Ok(c) => home_page(&s, &c, None, StatusCode::OK).await,
        Err(r) => r,
    }
}

/// `POST /console/sandboxes`: a new sandbox from a scenario of the catalog. Its page is shown
/// at once, with the passwords generated for it (they are shown only in this answer).
async fn create(State(s): State<AppState>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let c = match form_console(&s, &headers, &form).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let name = match form.get("name").map(|n| n.trim()).filter(|n| !n.is_empty()) {
        Some(n) => match SandboxName::parse(n) {
            Ok(n) => Some(n),
            Err(e) => {
                let (status, text) = problem(&CoreError::from(e));
                return home_page(&s, &c, Some(text), status).await;
            }
        },
        None => None,
    };
    let scenario = form
        .get("scenario")
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .map(ScenarioSource::Named);
    let new = NewSandbox {
        name,
        source: scenario,
        start_at: None,
        team: c.access(&s).team().cloned(),
    };
    match s.core.create_sandbox(new).await {
        Ok(st) => {
            sandbox_page(
                &s,
                &c,
                st,
                Some("Sandbox created. Generated passwords are shown on this page only.".into()),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let (status, text) = problem(&e);
            home_page(&s, &c, Some(text), status).await
        }
    }
}

struct UserRow {
    upn: String,
    display_name: String,
    roles: String,
    mfa: String,
    password: Option<String>,
    totp: Option<String>,
    totp_secret: Option<String>,
    sign_in: String,
}

struct CheckRowC {
    name: String,
    state: &'static str,
    label: String,
    reason: Option<String>,
}

struct PartnerRow {
    company: String,
    status: &'static str,
    label: String,
    checks: Vec<CheckRowC>,
    ids: Vec<(String, &'static str, &'static str)>,
    programs: Vec<String>,
}

struct SubRow {
    offer: String,
    quantity: i64,
    status: &'static str,
    term: String,
    reseller: String,
    refund_until: String,
}

struct CustomerRow {
    company: String,
    domain: String,
    id: String,
    subs: Vec<SubRow>,
}

struct TenantRow {
    display_name: String,
    domain: String,
    id: String,
    country: String,
    users: Vec<UserRow>,
    partner: Option<PartnerRow>,
}

#[derive(Template)]
#[template(path = "console/sandbox.html")]
struct SandboxPage {
    csrf: String,
    v: SandboxView,
    now: String,
    tenants: Vec<TenantRow>,
    requests: Vec<(String, String, String, &'static str, String)>,
    customers: Vec<CustomerRow>,
    gdap: Vec<GdapRow>,
    groups: Vec<(String, String, String, String)>,
    notice: Option<String>,
    error: bool,
}

/// A GDAP relationship on the console.
struct GdapRow {
    name: String,
    partner: String,
    customer: String,
    status: &'static str,
    ends: String,
    roles: String,
    assignments: Vec<String>,
    invitation: Option<String>,
}

async fn sandbox_page(
    s: &AppState,
    c: &Console,
    st: SandboxState,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let requests = s
        .core
        .relationship_requests(st.sandbox.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            (
                r.request.id.clone(),
                r.provider.legal_business_profile.company_name.clone(),
                r.reseller.legal_business_profile.company_name.clone(),
                r.request.state.as_str(),
                r.url.clone(),
            )
        })
        .collect();
    let cat = s
        .core
        .catalog_for(st.sandbox.id)
        .await
        .unwrap_or_else(|_| std::sync::Arc::new(domain::catalog::Catalog::builtin().clone()));
    let customers = s
        .core
        .commerce_overview(st.sandbox.id, 200)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(cu, subs)| CustomerRow {
            company: cu.company_name.clone(),
            domain: cu.domain.clone(),
            id: cu.id.to_string(),
            subs: subs
                .iter()
                .map(|x| SubRow {
                    offer: x
                        .item(&cat)
                        .map(|i| i.sku.title.clone())
                        .unwrap_or_else(|| x.offer_id.clone()),
                    quantity: x.quantity,
                    status: x.status.as_str(),
                    term: format!("{} {}", x.term_duration.clone().unwrap_or_default(), x.billing_cycle),
                    reseller: x.partner_id.clone().unwrap_or_default(),
                    refund_until: x.cancel_until.format("%Y-%m-%d %H:%M UTC").to_string(),
                })
                .collect(),
        })
        .collect();
    let (rels, groups) = s.core.gdap_overview(st.sandbox.id, 200).await.unwrap_or_default();
    let tenant_name = |id: domain::TenantId| {
        st.world
            .tenants
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.display_name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let upn_of = |id: &domain::UserId| {
        st.world
            .users
            .iter()
            .find(|u| u.id == *id)
            .map(|u| u.user_principal_name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let group_name = |id: &str| {
        groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.display_name.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let gdap = rels
        .iter()
        .map(|r| GdapRow {
            name: r.display_name.clone(),
            partner: tenant_name(r.partner_tenant),
            customer: r
                .customer
                .as_ref()
                .map(|c| {
                    c.display_name
                        .clone()
                        .or_else(|| c.tenant_id.map(|t| t.to_string()))
                        .unwrap_or_default()
                })
                .unwrap_or_else(|| "(whoever approves)".to_owned()),
            status: r.status.as_str(),
            ends: r
                .end_at
                .map(|e| e.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default(),
            roles: pcsandbox_core::gdap::gdap_role_names(&r.roles).join(", "),
            assignments: r
                .assignments
                .iter()
                .filter(|a| a.live())
                .map(|a| {
                    format!(
                        "{}: {} ({})",
                        group_name(&a.group_id),
                        pcsandbox_core::gdap::gdap_role_names(&a.roles).join(", "),
                        a.status.as_str()
                    )
                })
                .collect(),
            invitation: (r.status == domain::gdap::Status::ApprovalPending)
                .then(|| format!("/AdminPortal/partners/invitation/granularAdminRelationships/{}", r.id)),
        })
        .collect();
    let groups = groups
        .iter()
        .map(|g| {
            (
                tenant_name(g.tenant_id),
                g.display_name.clone(),
                g.id.clone(),
                g.members.iter().map(upn_of).collect::<Vec<_>>().join(", "),
            )
        })
        .collect();
    let v = views::sandbox(&st, &s.urls);
    let now_s = st.now.timestamp();
    let tenants = v
        .tenants
        .iter()
        .map(|t| TenantRow {
            display_name: t.display_name.clone(),
            domain: t.domain.clone(),
            id: t.id.clone(),
            country: t.country.clone(),
            users: t
                .users
                .iter()
                .map(|u| UserRow {
                    upn: u.user_principal_name.clone(),
                    display_name: u.display_name.clone(),
                    roles: u
                        .roles
                        .iter()
                        .map(|r| {
                            serde_json::to_value(r)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default()
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    mfa: serde_json::to_value(u.mfa.state)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    password: u.password.clone(),
                    totp: u
                        .mfa
                        .totp_secret
                        .as_deref()
                        .and_then(|sec| identity::totp::code_at(sec, now_s).ok()),
                    totp_secret: u.mfa.totp_secret.clone(),
                    sign_in: sign_in_url(Some(&v.name), Some(&u.user_principal_name), "/dashboard/home", false),
                })
                .collect(),
            partner: t.partner.as_ref().map(|p| PartnerRow {
                company: p.company_name.clone(),
                status: p.verification.status,
                label: p.verification.label.en.clone(),
                checks: [
                    &p.verification.checks.email_ownership,
                    &p.verification.checks.employment,
                    &p.verification.checks.company,
                ]
                .into_iter()
                .map(|ch| CheckRowC {
                    name: format!("{} ({})", ch.name.en, ch.name.ja),
                    state: ch.state,
                    label: format!("{} ({})", ch.label.en, ch.label.ja),
                    reason: ch.reason.as_ref().map(|r| format!("{}: {}", r.code, r.text.en)),
                })
                .collect(),
                ids: p
                    .partner_ids
                    .iter()
                    .map(|r| {
                        (
                            r.partner_id.to_string(),
                            match r.kind {
                                domain::partner_id::PartnerIdKind::PartnerGlobal => "PartnerGlobal",
                                domain::partner_id::PartnerIdKind::PartnerLocation => "PartnerLocation",
                            },
                            match r.status {
                                domain::partner_id::PartnerIdStatus::Active => "active",
                                domain::partner_id::PartnerIdStatus::Inactive => "inactive",
                            },
                        )
                    })
                    .collect(),
                programs: p.programs.iter().map(|g| g.status_line.en.clone()).collect(),
            }),
        })
        .collect();
    let page = SandboxPage {
        csrf: c.csrf.clone(),
        now: st.now.format("%Y-%m-%d %H:%M:%S UTC (%A)").to_string(),
        tenants,
        requests,
        customers,
        gdap,
        groups,
        error: notice.as_deref().is_some_and(|_| status.is_client_error()),
        notice,
        v,
    };
    c.finish(render(status, &page))
}

async fn load(s: &AppState, c: &Console, sid: &str) -> Result<SandboxState, CoreError> {
    let id = s.core.find_sandbox_for(&c.access(s), sid).await?;
    s.core.sandbox_state(id).await
}

async fn sandbox(State(s): State<AppState>, headers: HeaderMap, Path(sid): Path<String>) -> Response {
    let c = match open(&s, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match load(&s, &c, &sid).await {
        Ok(st) => sandbox_page(&s, &c, st, None, StatusCode::OK).await,
        Err(e) => c.finish(render_error(&e)),
    }
}

async fn reset(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(sid): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let c = match form_console(&s, &headers, &form).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = match s.core.find_sandbox_for(&c.access(&s), &sid).await {
        Ok(id) => s.core.reset_sandbox(id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(st) => {
            sandbox_page(
                &s,
                &c,
                st,
                Some("Sandbox reset to its scenario.".into()),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => c.finish(render_error(&e)),
    }
}

async fn delete(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(sid): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let c = match form_console(&s, &headers, &form).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = match s.core.find_sandbox_for(&c.access(&s), &sid).await {
        Ok(id) => s.core.delete_sandbox(id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => c.finish(Redirect::to("/console").into_response()),
        Err(e) => c.finish(render_error(&e)),
    }
}

/// `POST .../clock`: advance N business days (or hours).
async fn advance(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(sid): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let c = match form_console(&s, &headers, &form).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let n: Option<u32> = form.get("amount").and_then(|v| v.trim().parse().ok());
    let unit = form.get("unit").map(String::as_str).unwrap_or("businessDays");
    let Some(n) = n.filter(|n| *n > 0) else {
        return match load(&s, &c, &sid).await {
            Ok(st) => {
                sandbox_page(
                    &s,
                    &c,
                    st,
                    Some("Enter a whole number greater than 0.".into()),
                    StatusCode::BAD_REQUEST,
                )
                .await
            }
            Err(e) => c.finish(render_error(&e)),
        };
    };
    let adv = match unit {
        "hours" if n <= 24 * 3650 => Advance::By(chrono::Duration::hours(i64::from(n))),
        "days" if n <= 3650 => Advance::By(chrono::Duration::days(i64::from(n))),
        _ => Advance::BusinessDays(n),
    };
    let result = match s.core.find_sandbox_for(&c.access(&s), &sid).await {
        Ok(id) => s.core.advance_clock(id, adv).await.map(|_| id),
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => match s.core.sandbox_state(id).await {
            Ok(st) => {
                sandbox_page(
                    &s,
                    &c,
                    st,
                    Some(format!("The clock moved forward {n} {unit}.")),
                    StatusCode::OK,
                )
                .await
            }
            Err(e) => c.finish(render_error(&e)),
        },
        Err(e) => {
            let (status, text) = problem(&e);
            match load(&s, &c, &sid).await {
                Ok(st) => sandbox_page(&s, &c, st, Some(text), status).await,
                Err(e) => c.finish(render_error(&e)),
            }
        }
    }
}

struct MailRow {
    to: String,
    subject: String,
    body: String,
    /// Each link, and whether it is shown as one (http(s) only).
    links: Vec<(String, bool)>,
    sent_at: String,
}

#[derive(Template)]
#[template(path = "console/mailbox.html")]
struct MailboxPage {
    name: String,
    mails: Vec<MailRow>,
}

async fn mailbox(State(s): State<AppState>, headers: HeaderMap, Path(sid): Path<String>) -> Response {
    let c = match open(&s, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let id = s.core.find_sandbox_for(&c.access(&s), &sid).await?;
        let name = s.core.sandbox(id).await?.map(|sb| sb.name.clone()).unwrap_or_default();
        let (mails, _) = s
            .core
            .mailbox(
                id,
                &MailQuery {
                    to: None,
                    before: None,
                    limit: SHOWN,
                },
            )
            .await?;
        Ok::<_, CoreError>((name, mails))
    }
    .await;
    match result {
        Ok((name, mails)) => c.finish(render(
            StatusCode::OK,
            &MailboxPage {
                name,
                mails: mails
                    .into_iter()
                    .map(|m| MailRow {
                        to: m.to,
                        subject: m.subject,
                        body: m.body,
                        links: m
                            .links
                            .into_iter()
                            .map(|l| {
                                let web = domain::mail::is_web_link(&l);
                                (l, web)
                            })
                            .collect(),
                        sent_at: m.sent_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    })
                    .collect(),
            },
        )),
        Err(e) => c.finish(render_error(&e)),
    }
}

struct JournalRow {
    at: String,
    surface: String,
    method: String,
    path: String,
    status: u16,
    who: String,
    mfa: bool,
    refusal: Option<String>,
}

#[derive(Template)]
#[template(path = "console/journal.html")]
struct JournalPage {
    name: String,
    rows: Vec<JournalRow>,
}

async fn journal(State(s): State<AppState>, headers: HeaderMap, Path(sid): Path<String>, uri: Uri) -> Response {
    let c = match open(&s, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let refused_only = uri.query().is_some_and(|q| q.contains("refused=1"));
    let result = async {
        let id = s.core.find_sandbox_for(&c.access(&s), &sid).await?;
        let name = s.core.sandbox(id).await?.map(|sb| sb.name.clone()).unwrap_or_default();
        let entries = if refused_only {
            s.core.refusals(id, SHOWN).await?
        } else {
            s.core.request_journal(id, SHOWN).await?
        };
        Ok::<_, CoreError>((name, entries))
    }
    .await;
    match result {
        Ok((name, entries)) => c.finish(render(
            StatusCode::OK,
            &JournalPage {
                name,
                rows: entries
                    .into_iter()
                    .map(|e| JournalRow {
                        at: chrono::DateTime::from_timestamp_millis(e.at_ms)
                            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                            .unwrap_or_default(),
                        surface: e.surface,
                        method: e.method,
                        path: e.path,
                        status: e.status,
                        who: e.upn.unwrap_or_else(|| e.app_name.clone()),
                        mfa: e.mfa,
                        refusal: e.refusal.map(|n| format!("{}: {}", n.code, n.explanation)),
                    })
                    .collect(),
            },
        )),
        Err(e) => c.finish(render_error(&e)),
    }
}

struct DeliveryRow {
    created: String,
    event: String,
    url: String,
    status: String,
    attempts: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/webhooks.html")]
struct WebhooksPage {
    name: String,
    rows: Vec<DeliveryRow>,
}

async fn webhooks(State(s): State<AppState>, headers: HeaderMap, Path(sid): Path<String>) -> Response {
    let c = match open(&s, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let id = s.core.find_sandbox_for(&c.access(&s), &sid).await?;
        let name = s.core.sandbox(id).await?.map(|sb| sb.name.clone()).unwrap_or_default();
        Ok::<_, CoreError>((name, s.core.webhook_deliveries(id, SHOWN).await?))
    }
    .await;
    match result {
        Ok((name, items)) => c.finish(render(
            StatusCode::OK,
            &WebhooksPage {
                name,
                rows: items
                    .into_iter()
                    .map(|d| DeliveryRow {
                        created: d.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        event: d.event.event_name.clone(),
                        url: d.url.clone(),
                        status: format!("{:?}", d.status).to_lowercase(),
                        attempts: d
                            .attempts
                            .iter()
                            .map(|a| match (a.status, &a.error) {
                                (Some(st), _) => st.to_string(),
                                (None, Some(e)) => e.chars().take(80).collect(),
                                (None, None) => "?".into(),
                            })
                            .collect(),
                    })
                    .collect(),
            },
        )),
        Err(e) => c.finish(render_error(&e)),
    }
}
