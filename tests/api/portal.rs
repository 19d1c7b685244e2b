//! The portal and the console through HTTP, as a browser uses them: redirects, cookies, the
//! Entra sign-in pages with a TOTP code, forms with CSRF tokens. (tests/browser drives the same
//! pages in Chromium.)

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{get, server, Server};

/// A browser without JavaScript: it keeps cookies, follows nothing by itself.
pub(crate) struct Browser<'a> {
    s: &'a Server,
    client: reqwest::Client,
    jar: HashMap<String, String>,
    /// The raw `Set-Cookie` values of the last answer.
    set_cookies: Vec<String>,
    lang: &'static str,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) html: String,
    pub(crate) location: Option<String>,
}

/// The value of a form field (`name="x" value="..."`), unescaped.
pub(crate) fn field(html: &str, name: &str) -> String {
    let at = html
        .find(&format!(r#"name="{name}" value=""#))
        .unwrap_or_else(|| panic!("no field {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#x2f;", "/")
}

fn query_param(url: &str, key: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    })
}

impl<'a> Browser<'a> {
    pub(crate) fn new(s: &'a Server) -> Self {
        Browser {
            s,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: HashMap::new(),
            set_cookies: Vec::new(),
            lang: "ja-JP",
        }
    }

    /// The same browser (its cookies) now talking to another server: another replica.
    pub(crate) fn moved_to<'b>(&self, s: &'b Server) -> Browser<'b> {
        Browser {
            s,
            client: self.client.clone(),
            jar: self.jar.clone(),
            set_cookies: Vec::new(),
            lang: self.lang,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            self.s.url(path)
        }
    }

    pub(crate) async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie = self
            .jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = req.header("accept-language", self.lang);
        if !cookie.is_empty() {
            req = req.header("cookie", cookie);
        }
        let res = req.send().await.unwrap();
        self.set_cookies = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for c in &self.set_cookies {
            let (kv, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.jar.remove(k);
            } else {
                self.jar.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = res.status();
        let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
        Page {
            status,
            location,
            html: res.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let req = self.client.get(self.url(path));
        self.send(req).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.client.request(Method::POST, self.url(path)).form(form);
        self.send(req).await
    }

    /// GETs and follows redirects (at most 10).
    pub(crate) async fn open(&mut self, path: &str) -> Page {
        let mut page = self.get(path).await;
        for _ in 0..10 {
            match (&page.status.as_u16(), page.location.clone()) {
                (301..=308, Some(to)) => page = self.get(&to).await,
                _ => return page,
            }
        }
        page
    }

    /// Follows a POST's redirect.
    pub(crate) async fn submit(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let page = self.post(path, form).await;
        match (page.status.as_u16(), page.location.clone()) {
            (301..=308, Some(to)) => self.open(&to).await,
            _ => page,
        }
    }

    /// From a page that sent the browser to the portal's sign-in: the user name, the password
    /// and, when asked, the code of `totp` (a secret) or of a secret the page registers. Returns
    /// the page the sign-in ends on.
    pub(crate) async fn sign_in(
        &mut self,
        start: Page,
        upn: &str,
        password: &str,
        totp: Option<&str>,
        sandbox_now: i64,
    ) -> Page {
        let to = start.location.expect("a redirect to the sign-in");
        assert!(to.starts_with("/dashboard/signin"), "{to}");
        let mut to = to;
        if query_param(&to, "login_hint").is_none() {
            to.push_str(&format!("&login_hint={}", upn.replace('@', "%40")));
        }
        let authorize = self.get(&to).await;
        assert_eq!(authorize.status, StatusCode::SEE_OTHER, "{}", authorize.html);
        let authorize_url = authorize.location.unwrap();
        assert!(authorize_url.contains("/oauth2/v2.0/authorize?"), "{authorize_url}");
        assert_eq!(
            query_param(&authorize_url, "code_challenge_method").as_deref(),
            Some("S256")
        );
        let login = self.get(&authorize_url).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.html);
        let flow = field(&login.html, "flow");
        let tenant = authorize_url
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let mut step = self
            .post(
                &format!("/{tenant}/login"),
                &[("flow", &flow), ("username", upn), ("password", password)],
            )
            .await;
        if step.html.contains(r#"name="otc""#) {
            // A registration shows its new secret; a registered user's code comes from `totp`.
            let secret = if step.html.contains("otpauth://") {
                let at = step.html.find("secret=").unwrap() + 7;
                step.html[at..at + 32].to_owned()
            } else {
                totp.expect("the user has an authenticator").to_owned()
            };
            let code = identity::totp::code_at(&secret, sandbox_now).unwrap();
            step = self
                .post(&format!("/{tenant}/login/verify"), &[("flow", &flow), ("otc", &code)])
                .await;
        }
        let back = step.location.unwrap_or_else(|| panic!("no redirect: {}", step.html));
        assert!(back.contains("/dashboard/signin-oidc?code="), "{back}");
        self.open(&back).await
    }

    pub(crate) fn csrf(page: &Page) -> String {
        field(&page.html, "csrf")
    }
}

async fn sandbox_json(s: &Server, name: &str) -> Value {
    get(s, &format!("/sandbox/v1/sandboxes/{name}")).await.1
}

pub(crate) fn now_of(sb: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(sb["now"].as_str().unwrap())
        .unwrap()
        .timestamp()
}

fn password_of(sb: &Value, upn: &str) -> String {
    sb["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["users"].as_array().unwrap())
        .find(|u| u["userPrincipalName"] == upn)
        .and_then(|u| u["password"].as_str())
        .unwrap_or_else(|| panic!("no password for {upn}"))
        .to_owned()
}

pub(crate) fn secret_of(sb: &Value, upn: &str) -> String {
    sb["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["users"].as_array().unwrap())
        .find(|u| u["userPrincipalName"] == upn)
        .and_then(|u| u["mfa"]["totpSecret"].as_str())
        .unwrap()
        .to_owned()
}

pub(crate) async fn create(s: &Server, name: &str, scenario: &str) -> Value {
    let (st, sb) = crate::support::post(s, "/sandbox/v1/sandboxes", json!({"name": name, "scenario": scenario})).await;
    assert_eq!(st, StatusCode::CREATED, "{sb}");
    sb
}

#[tokio::test]
async fn a_user_signs_in_with_pkce_and_a_totp_code_and_gets_a_portal_session() {
    let s = server().await;
    let sb = create(&s, "default", "default").await;
    let mut b = Browser::new(&s);
    let start = b.get("/dashboard/account/legal").await;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    assert_eq!(
        start.location.as_deref(),
        Some("/dashboard/signin?return=%2Fdashboard%2Faccount%2Flegal")
    );
    // The sign-in page asks for the user name when it has none.
    let ask = b.get(start.location.as_deref().unwrap()).await;
    assert!(ask.html.contains(r#"name="login_hint""#), "{}", ask.html);
    let upn = "admin@contosojp.onmicrosoft.com";
    let secret = secret_of(&sb, upn);
    let page = b
        .sign_in(start, upn, "Sandbox-Admin-2026!", Some(&secret), now_of(&sb))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("アカウント設定 | 法的情報"), "{}", page.html);
    assert!(page.html.contains("承認済み"));
    // The session cookie: HttpOnly, SameSite=Lax, a session cookie (no Max-Age).
    let set = b.jar.get("pcs_session").cloned().expect("a session");
    assert!(!set.is_empty());
    assert!(!b.jar.contains_key("pcs_signin"), "the sign-in cookie is cleared");
    // The visit is journaled as the portal app's App+User request with MFA.
    let (_, journal) = get(&s, "/sandbox/v1/sandboxes/default/requests?limit=5").await;
    let visit = journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["surface"] == "portal")
        .unwrap_or_else(|| panic!("{journal}"));
    assert_eq!(visit["mfa"], true, "{visit}");
    assert_eq!(visit["userPrincipalName"], upn);
    assert_eq!(visit["operation"], "GET /dashboard/account/legal");
}

#[tokio::test]
async fn a_sign_in_answer_is_taken_once_and_only_by_the_browser_that_asked() {
    let s = server().await;
    let sb = create(&s, "default", "default").await;
    let mut b = Browser::new(&s);
    let start = b.get("/dashboard/home").await;
    let to = format!(
        "{}&login_hint=nomfa%40contosojp.onmicrosoft.com",
        start.location.clone().unwrap()
    );
    let authorize = b.get(&to).await.location.unwrap();
    let state = query_param(&authorize, "state").unwrap();
    let login = b.get(&authorize).await;
    let flow = field(&login.html, "flow");
    let tenant = authorize.trim_start_matches('/').split('/').next().unwrap().to_owned();
    let done = b
        .post(
            &format!("/{tenant}/login"),
            &[
                ("flow", &flow),
                ("username", "nomfa@contosojp.onmicrosoft.com"),
                ("password", "Sandbox-NoMfa-2026!"),
            ],
        )
        .await;
    let back = done.location.unwrap();
    let code = query_param(&back, "code").unwrap();
    // Another browser (no sign-in cookie) cannot use the code.
    let mut other = Browser::new(&s);
    let stolen = other.get(&back).await;
    assert_eq!(stolen.status, StatusCode::BAD_REQUEST);
    assert!(!other.jar.contains_key("pcs_session"));
    // A wrong state is refused, and so is a code that is not the one issued.
    let wrong = b
        .get(&format!("/dashboard/signin-oidc?code={code}&state=not-{state}"))
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(!b.jar.contains_key("pcs_session"));
    // The sign-in cookie was cleared by the refusal: the real answer now finds no sign-in.
    let late = b.get(&back).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "{}", late.html);
    assert!(!b.jar.contains_key("pcs_session"));
    let _ = sb;
}

#[tokio::test]
async fn commerce_pages_step_up_to_mfa_and_the_portal_sign_in_without_it_is_reported() {
    let s = server().await;
    let sb = create(&s, "default", "default").await;
    let mut b = Browser::new(&s);
    let start = b.get("/dashboard/home").await;
    let upn = "nomfa@contosojp.onmicrosoft.com";
    let home = b.sign_in(start, upn, "Sandbox-NoMfa-2026!", None, now_of(&sb)).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.html);
    assert!(!home.html.contains(r#"title="amr: mfa""#));
    // The portal visit without MFA is what nonMfaCompliantPartnerPrincipals reports.
    let token = testkit_token(&s, &sb, "admin@contosojp.onmicrosoft.com").await;
    let res = s
        .client()
        .get(s.url("/v1/nonMfaCompliantPartnerPrincipals"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let report: Value = res.json().await.unwrap();
    assert!(
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["userPrincipalName"] == upn || p["upn"] == upn),
        "{report}"
    );
    // A page under /commerce needs MFA: the session goes back to Entra with amr_values=mfa,
    // and the user without an authenticator registers one.
    let step_up = b.get("/commerce/indirectresellers").await;
    let to = step_up.location.clone().unwrap();
    assert!(to.contains("mfa=1") && to.contains("login_hint="), "{to}");
    let authorize = b.get(&to).await.location.unwrap();
    assert!(authorize.contains("amr_values=mfa"), "{authorize}");
    let page = b.sign_in(step_up, upn, "Sandbox-NoMfa-2026!", None, now_of(&sb)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("間接リセラー"), "{}", page.html);
    assert!(page.html.contains(r#"title="amr: mfa""#));
    let after = sandbox_json(&s, "default").await;
    assert!(after["tenants"].is_array(), "{after}");
    let user = after["tenants"][0]["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userPrincipalName"] == upn)
        .unwrap()
        .clone();
    assert_eq!(user["mfa"]["state"], "registered", "{user}");
}

pub(crate) async fn testkit_token(s: &Server, sb: &Value, upn: &str) -> String {
    let (st, t) = crate::support::post(
        s,
        "/sandbox/v1/sandboxes/default/tokens",
        json!({"clientId": sb["apps"][0]["clientId"], "userId": upn, "mfa": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    t["accessToken"]
        .as_str()
        .or(t["access_token"].as_str())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_company_rejection_is_shown_with_the_registry_value_and_fixed_by_a_certificate() {
    let s = server().await;
    let sb = create(&s, "portal-company", "company-rejected-address").await;
    let mut b = Browser::new(&s);
    let start = b.get("/dashboard/account/legal").await;
    let upn = "admin@fabrikamjp.onmicrosoft.com";
    let legal = b
        .sign_in(
            start,
            upn,
            "Sandbox-Fabrikam-2026!",
            Some(&secret_of(&sb, upn)),
            now_of(&sb),
        )
        .await;
    assert_eq!(legal.status, StatusCode::OK, "{}", legal.html);
    assert!(legal.html.contains("拒否"), "{}", legal.html);
    assert!(legal.html.contains("千代田区"), "the registry's city: {}", legal.html);
    assert!(legal.html.contains("登記簿謄本"));
    assert!(legal.html.contains(r#"data-testid="upload-certificate""#));
    let csrf = Browser::csrf(&legal);
    // A form without the session's token changes nothing.
    let forged = b.post("/dashboard/account/legal/resend", &[("csrf", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // No file: refused with the page's words.
    let today = sb["now"].as_str().unwrap()[..10].to_owned();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("check", "company")
        .text("kind", "registry-certificate")
        .text("issuedOn", today.clone());
    let req = b
        .client
        .post(b.url("/dashboard/account/legal/document"))
        .multipart(form);
    let none = b.send(req).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.html);
    assert!(none.html.contains("アップロードするファイルを選択してください"));
    // A file over 10 MiB is refused.
    let form = reqwest::multipart::Form::new().text("csrf", csrf.clone()).part(
        "file",
        reqwest::multipart::Part::bytes(vec![0u8; 10 * 1024 * 1024 + 1]).file_name("big.pdf"),
    );
    let req = b
        .client
        .post(b.url("/dashboard/account/legal/document"))
        .multipart(form);
    let big = b.send(req).await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    // The certificate: in review, then 承認済み after the review's business days.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("check", "company")
        .text("kind", "registry-certificate")
        .text("issuedOn", today)
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 touhon".to_vec()).file_name("touhon.pdf"),
        );
    let req = b
        .client
        .post(b.url("/dashboard/account/legal/document"))
        .multipart(form);
    let sent = b.send(req).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    let review = b.open(sent.location.as_deref().unwrap()).await;
    assert!(review.html.contains("書類を提出しました"), "{}", review.html);
    assert!(review.html.contains("確認の完了予定"), "{}", review.html);
    let (st, _) = crate::support::post(
        &s,
        "/sandbox/v1/sandboxes/portal-company/clock",
        json!({"businessDays": 2}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let done = b.open("/dashboard/account/legal").await;
    assert!(
        done.html.contains(r#"data-testid="verification-status">承認済み"#),
        "{}",
        done.html
    );
    // English on request, remembered in a cookie.
    let en = b.open("/dashboard/account/legal?lang=en-US").await;
    assert!(en.html.contains("Account settings | Legal info"), "{}", en.html);
    assert!(en.html.contains(r#"data-testid="verification-status">Authorized"#) || en.html.contains("Approved"));
    let again = b.open("/dashboard/account/identifiers").await;
    assert!(again.html.contains("All your identifiers are shown here."));
}

#[tokio::test]
async fn the_verification_failed_mail_links_to_the_legal_info_page() {
    let s = server().await;
    let sb = create(&s, "portal-mail", "company-rejected-name").await;
    let (_, mailbox) = get(&s, "/sandbox/v1/sandboxes/portal-mail/mailbox").await;
    let link = mailbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["links"].as_array().unwrap().iter())
        .filter_map(|l| l.as_str())
        .find(|l| l.ends_with("/dashboard/account/legal"))
        .unwrap_or_else(|| panic!("{mailbox}"))
        .to_owned();
    let mut b = Browser::new(&s);
    let start = b.get(&link).await;
    let upn = "admin@fabrikamjp.onmicrosoft.com";
    let legal = b
        .sign_in(
            start,
            upn,
            "Sandbox-Fabrikam-2026!",
            Some(&secret_of(&sb, upn)),
            now_of(&sb),
        )
        .await;
    assert_eq!(legal.status, StatusCode::OK, "{}", legal.html);
    assert!(
        legal.html.contains("法的情報") && legal.html.contains("拒否"),
        "{}",
        legal.html
    );
}

#[tokio::test]
async fn enrollment_agreement_and_a_providers_request_through_the_portal() {
    let s = server().await;
    let sb = create(&s, "portal-csp", "partner-verified").await;
    let mut b = Browser::new(&s);
    let upn = "admin@fabrikamjp.onmicrosoft.com";
    let start = b.get("/dashboard/account/programs/csp-indirect-reseller").await;
    let form = b
        .sign_in(
            start,
            upn,
            &password_of(&sb, upn),
            Some(&secret_of(&sb, upn)),
            now_of(&sb),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    let csrf = Browser::csrf(&form);
    let location_id = field(&form.html, "partnerId");
    let mut fields: Vec<(String, String)> = [
        "companyName",
        "address.addressLine1",
        "address.state",
        "address.city",
        "address.postalCode",
        "primaryContact.firstName",
        "primaryContact.lastName",
        "primaryContact.email",
        "primaryContact.phoneNumber",
        "supportProfile.website",
        "supportProfile.email",
    ]
    .iter()
    .map(|k| (k.to_string(), field(&form.html, k)))
    .collect();
    fields.push(("csrf".into(), csrf.clone()));
    fields.push(("address.country".into(), "JP".into()));
    // The Global ID is refused with the guide's words, and the form keeps what was typed.
    let (_, state) = get(&s, "/sandbox/v1/sandboxes/portal-csp").await;
    let global = state["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["domain"] == "fabrikamjp.onmicrosoft.com")
        .unwrap()["partner"]["partnerIds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == "PartnerGlobal")
        .unwrap()["partnerId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut with_global = fields.clone();
    with_global.push(("partnerId".into(), global.clone()));
    let refs: Vec<(&str, &str)> = with_global.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = b.post("/dashboard/account/programs/csp-indirect-reseller", &refs).await;
    assert_eq!(refused.status.as_u16() / 100, 4, "{}", refused.html);
    assert!(refused.html.contains(r#"class="notice err""#), "{}", refused.html);
    assert!(refused.html.contains(&format!(r#"value="{global}""#)));
    fields.push(("partnerId".into(), location_id));
    // The registered name as the form offers it is taken (STEP2 15): refused with the guide's
    // words; a trailing space, as the guide says, goes through.
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let taken = b.post("/dashboard/account/programs/csp-indirect-reseller", &refs).await;
    assert!(
        taken.html.contains("この名前は既にシステムに存在します"),
        "{}",
        taken.html
    );
    for (k, v) in fields.iter_mut() {
        if k == "companyName" {
            v.push(' ');
        }
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let enrolled = b
        .submit("/dashboard/account/programs/csp-indirect-reseller", &refs)
        .await;
    assert!(
        enrolled.html.contains("CSP 間接リセラーとして登録しました"),
        "{}",
        enrolled.html
    );
    // The MPA: 承諾する.
    let agreements = b.open("/dashboard/account/agreements").await;
    assert!(agreements.html.contains("この契約に関して操作が必要です"));
    let csrf = Browser::csrf(&agreements);
    // The enrollment's new verification waits for the contact's email: not yet.
    let early = b.post("/dashboard/account/agreements/accept", &[("csrf", &csrf)]).await;
    assert_eq!(early.status.as_u16() / 100, 4, "{}", early.html);
    assert!(
        early.html.contains("「承認済み」になると、MPA に同意できます"),
        "{}",
        early.html
    );
    let (_, mailbox) = get(&s, "/sandbox/v1/sandboxes/portal-csp/mailbox").await;
    let link = mailbox["items"][0]["links"][0].as_str().unwrap().to_owned();
    assert!(link.contains("/dashboard/verification/email/"), "{mailbox}");
    let confirmed = b.open(&link).await;
    assert!(
        confirmed.html.contains("メールの確認に成功しました"),
        "{}",
        confirmed.html
    );
    let accepted = b
        .submit("/dashboard/account/agreements/accept", &[("csrf", &csrf)])
        .await;
    assert!(accepted.html.contains("同意済み"), "{}", accepted.html);
    // Contoso invites Fabrikam; Fabrikam's admin approves on the request page (MFA session).
    let (st, r) = crate::support::post(
        &s,
        "/sandbox/v1/sandboxes/portal-csp/actions/invite-reseller",
        json!({"as": "admin@contosojp.onmicrosoft.com", "resellerTenant": "fabrikamjp.onmicrosoft.com"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let url = r["request"]["url"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let page = b.open(&url).await;
    assert!(page.html.contains("パートナーシップを確認する"), "{}", page.html);
    assert!(page
        .html
        .contains("この Microsoft 間接プロバイダーが当社の顧客に Cloud Services を販売することに同意し、確認します。"));
    let csrf = Browser::csrf(&page);
    let path = url.split_once("://").unwrap().1;
    let path = &path[path.find('/').unwrap()..];
    // Without the consent checkbox: refused with the use-case's words; nothing changes.
    let no_consent = b.post(path, &[("csrf", &csrf), ("decision", "approve")]).await;
    assert_eq!(no_consent.status.as_u16() / 100, 4, "{}", no_consent.html);
    let approved = b
        .submit(path, &[("csrf", &csrf), ("decision", "approve"), ("consent", "on")])
        .await;
    assert!(
        approved.html.contains("間接プロバイダーを承認しました"),
        "{}",
        approved.html
    );
    assert!(approved.html.contains(r#"data-testid="request-state">承認済み"#));
    let providers = b.open("/commerce/indirectproviders").await;
    assert!(providers.html.contains("Contoso"), "{}", providers.html);
}

#[tokio::test]
async fn the_console_creates_sandboxes_shows_codes_mail_and_journal_and_moves_the_clock() {
    let s = server().await;
    let mut b = Browser::new(&s);
    let home = b.open("/console").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("company-rejected-address"));
    let csrf = Browser::csrf(&home);
    // A form without the token creates nothing.
    let forged = b
        .post("/console/sandboxes", &[("name", "qa-x"), ("scenario", "default")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(get(&s, "/sandbox/v1/sandboxes/qa-x").await.0, StatusCode::NOT_FOUND);
    let created = b
        .post(
            "/console/sandboxes",
            &[("csrf", &csrf), ("name", "qa-1"), ("scenario", "email-pending")],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.html);
    assert!(created.html.contains(r#"data-testid="totp""#), "{}", created.html);
    assert!(created.html.contains("Sign in to the portal"));
    let sb = sandbox_json(&s, "qa-1").await;
    let code = identity::totp::code_at(&secret_of(&sb, "admin@fabrikamjp.onmicrosoft.com"), now_of(&sb)).unwrap();
    assert!(created.html.contains(&code), "the code of the moment");
    let mail = b.open("/console/sandboxes/qa-1/mailbox").await;
    assert!(mail.html.contains("/dashboard/verification/email/"), "{}", mail.html);
    let before = now_of(&sb);
    let moved = b
        .post(
            "/console/sandboxes/qa-1/clock",
            &[("csrf", &csrf), ("amount", "3"), ("unit", "businessDays")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.html);
    assert!(now_of(&sandbox_json(&s, "qa-1").await) >= before + 3 * 86_400);
    let bad = b
        .post("/console/sandboxes/qa-1/clock", &[("csrf", &csrf), ("amount", "x")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let journal = b.open("/console/sandboxes/qa-1/journal").await;
    assert!(journal.html.contains("scenario"), "{}", journal.html);
    let deleted = b.post("/console/sandboxes/qa-1/delete", &[("csrf", &csrf)]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(get(&s, "/sandbox/v1/sandboxes/qa-1").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_console_wants_the_admin_key_when_the_server_has_one() {
    let mut settings = testkit::Settings::for_tests();
    settings.admin_key = Some("console-key-1".into());
    let s = Server::start_with(settings).await.unwrap();
    let mut b = Browser::new(&s);
    let first = b.get("/console").await;
    assert_eq!(first.location.as_deref(), Some("/console/login"));
    let wrong = b.post("/console/login", &[("key", "nope")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(!b.jar.contains_key("pcs_console"));
    let right = b.post("/console/login", &[("key", "console-key-1")]).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert!(b
        .set_cookies
        .iter()
        .any(|c| c.contains("HttpOnly") && c.contains("SameSite=Lax")));
    let home = b.open("/console").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("Create a sandbox"));
}

#[tokio::test]
async fn a_shared_servers_sign_in_page_does_not_say_which_sandboxes_hold_a_user() {
    let mut settings = testkit::Settings::for_tests();
    settings.admin_key = Some("shared-key".into());
    let s = Server::start_with(settings).await.unwrap();
    for name in ["alpha", "beta"] {
        let res = s
            .client()
            .post(s.url("/sandbox/v1/sandboxes"))
            .bearer_auth("shared-key")
            .json(&json!({"name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let mut b = Browser::new(&s);
    let page = b
        .open("/dashboard/signin?login_hint=admin%40contosojp.onmicrosoft.com")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.html.contains("alpha") && !page.html.contains("beta"),
        "{}",
        page.html
    );
    assert!(
        page.html.contains("サンドボックス名を入力してください"),
        "{}",
        page.html
    );
    // Named, it signs in as before.
    let named = b
        .get("/dashboard/signin?login_hint=admin%40contosojp.onmicrosoft.com&sandbox=alpha")
        .await;
    assert!(
        named
            .location
            .as_deref()
            .is_some_and(|l| l.contains("/oauth2/v2.0/authorize")),
        "{:?}",
        named.location
    );
}

#[tokio::test]
async fn what_a_scenario_or_a_user_typed_is_escaped_on_every_page() {
    let s = server().await;
    let upn = "mallory@evil.onmicrosoft.com";
    let (st, sb) = crate::support::post(
        &s,
        "/sandbox/v1/sandboxes",
        json!({"name": "portal-xss", "scenario": {"tenants": [{
            "displayName": "<script>alert(1)</script>",
            "domain": "evil.onmicrosoft.com",
            "users": [{"userPrincipalName": "mallory", "displayName": "<img src=x onerror=alert(2)>",
                       "password": "Mallory-Password-1", "mfa": "unregistered"}]
        }]}}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{sb}");
    let mut b = Browser::new(&s);
    let start = b.get("/dashboard/home").await;
    let home = b.sign_in(start, upn, "Mallory-Password-1", None, now_of(&sb)).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.html);
    assert!(
        home.html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        home.html
    );
    assert!(!home.html.contains("<script>alert(1)"));
    assert!(!home.html.contains("<img src=x"));
    let console = b.open("/console/sandboxes/portal-xss").await;
    assert!(
        console.html.contains("&#60;img src=x onerror=alert(2)&#62;"),
        "{}",
        console.html
    );
    assert!(!console.html.contains("<img src=x"));
    // A return path to another site is not followed after the sign-in.
    let evil = b
        .get("/dashboard/signin?return=%2F%2Fevil.example%2F&login_hint=mallory%40evil.onmicrosoft.com")
        .await;
    assert_eq!(evil.status, StatusCode::SEE_OTHER);
    let sealed = b.jar.get("pcs_signin").unwrap().split('.').next().unwrap().to_owned();
    use base64::Engine;
    let pending: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sealed).unwrap()).unwrap();
    assert_eq!(pending["r"], "/dashboard/home", "{pending}");
}

#[tokio::test]
async fn the_console_cookie_is_secure_over_https() {
    let s = crate::support::server().await;
    let cookie = |base: String| {
        let s = &s;
        async move {
            let res = s.client().get(format!("{base}/console")).send().await.unwrap();
            assert!(res.status().is_success());
            res.headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .find(|c| c.contains("/console"))
                .unwrap()
        }
    };
    let over_https = cookie(s.https_uri().to_owned()).await;
    assert!(over_https.contains("; Secure"), "{over_https}");
    let over_http = cookie(s.uri().to_owned()).await;
    assert!(!over_http.contains("Secure"), "{over_http}");
}
