//! An embeddable pcsandbox for Rust tests, like wiremock-rs's `MockServer`: the real server
//! in-process on `127.0.0.1:0` with an in-memory database, shut down on `Drop`; and typed helpers
//! so that a test reads like the scenario it reproduces.
//!
//! ```
//! use pcsandbox_testkit::{Mfa, Sandbox};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> anyhow::Result<()> {
//! let server = Sandbox::start().await?;
//! let sandbox = server.scenario("employment-rejected").await?;
//! let token = sandbox.user_token("admin@fabrikamjp.onmicrosoft.com", Mfa::Yes).await?;
//! let (status, profile) = sandbox.get_v1("/v1/profiles/legalbusiness?vettingVersion=Current", &token).await?;
//! assert_eq!(status, 200);
//! assert_eq!(profile["vettingStatus"], "rejected");
//! # Ok(()) }
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use anyhow::Context;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use api::Settings;

/// A running pcsandbox server.
pub struct Sandbox {
    addr: SocketAddr,
    uri: String,
    https_uri: Option<String>,
    https_bound: Option<String>,
    ca_pem: Option<String>,
    client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Sandbox {
    /// Starts a server with [`Settings::for_tests`].
    ///
    /// ```no_run
    /// # async fn demo() -> anyhow::Result<()> {
    /// let server = pcsandbox_testkit::Sandbox::start().await?;
    /// let health = reqwest::get(format!("{}/healthz", server.uri())).await?;
    /// assert!(health.status().is_success());
    /// # Ok(()) }
    /// ```
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(Settings::for_tests()).await
    }

    /// Starts a server with the given settings.
    ///
    /// ```no_run
    /// # async fn demo() -> anyhow::Result<()> {
    /// let mut settings = pcsandbox_testkit::Settings::for_tests();
    /// settings.default_sandbox = true;
    /// let server = pcsandbox_testkit::Sandbox::start_with(settings).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// With `PCSANDBOX_TEST_DATABASE=postgres://…` in the environment, a server that would have
    /// had an ephemeral SQLite database gets a fresh database on that PostgreSQL server instead,
    /// so the same suite proves both engines (.ci/run does it with a throwaway cluster).
    pub async fn start_with(mut settings: Settings) -> anyhow::Result<Self> {
        if settings.database == api::settings::Database::Ephemeral {
            if let Some(base) = std::env::var("PCSANDBOX_TEST_DATABASE").ok().filter(|b| !b.is_empty()) {
                let url = api::settings::fresh_postgres_database(&base)
                    .await
                    .context("PCSANDBOX_TEST_DATABASE: cannot create a test database")?;
                settings.database = api::settings::Database::Postgres(url);
            }
        }
        if settings.signing_key_pem.is_none() {
            settings.signing_key_pem = Some(shared_signing_key()?);
        }
        let server = api::Server::build(settings).await?;
        let addr = server.http_addr();
        let uri = server.urls().http.clone();
        let https_uri = server.urls().https.first().cloned();
        let https_bound = server.https_addrs().first().map(|a| format!("https://{a}"));
        let ca_pem = server.state().ca_pem.as_deref().map(str::to_owned);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until_stopped(async {
            let _ = stopped.await;
        }));
        let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = &ca_pem {
            builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes())?);
        }
        let client = builder.build().context("http client")?;
        Ok(Self {
            addr,
            uri,
            https_uri,
            https_bound,
            ca_pem,
            client,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    ///
    /// ```no_run
    /// # async fn demo(server: pcsandbox_testkit::Sandbox) { let _ = format!("{}/sandbox/v1/sandboxes", server.uri()); }
    /// ```
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The first HTTPS base URL (the authority MSAL uses), e.g. `https://127.0.0.1:41235`.
    ///
    /// ```no_run
    /// # fn demo(server: pcsandbox_testkit::Sandbox) { assert!(server.https_uri().starts_with("https://")); }
    /// ```
    pub fn https_uri(&self) -> &str {
        self.https_uri.as_deref().unwrap_or(&self.uri)
    }

    /// The address the first HTTPS listener is bound to, as a URL (`https_uri` is the public
    /// URL when the server was given one, as the replicas of a team server are).
    pub fn https_bound_uri(&self) -> &str {
        self.https_bound.as_deref().unwrap_or(&self.uri)
    }

    /// The local CA certificate (PEM) the HTTPS listeners chain to; the client of
    /// [`Sandbox::client`] already trusts it.
    ///
    /// ```no_run
    /// # fn demo(server: pcsandbox_testkit::Sandbox) { assert!(server.ca_pem().unwrap().contains("BEGIN CERTIFICATE")); }
    /// ```
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The bound address.
    ///
    /// ```no_run
    /// # fn demo(server: pcsandbox_testkit::Sandbox) { assert!(server.addr().ip().is_loopback()); }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A `reqwest` client for this server: trusts its CA and does not follow redirects.
    ///
    /// ```no_run
    /// # async fn demo(server: pcsandbox_testkit::Sandbox) -> anyhow::Result<()> {
    /// let res = server.client().get(server.url("/healthz")).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// An absolute URL for a path on this server.
    ///
    /// ```no_run
    /// # fn demo(server: pcsandbox_testkit::Sandbox) { assert!(server.url("/healthz").ends_with("/healthz")); }
    /// ```
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.uri, path)
    }

    /// Creates a sandbox through the control plane and returns its JSON (with credentials).
    ///
    /// ```no_run
    /// # async fn demo(server: pcsandbox_testkit::Sandbox) -> anyhow::Result<()> {
    /// let sb = server.create_sandbox(serde_json::json!({"scenario": "empty"})).await?;
    /// assert!(sb["tenants"].as_array().unwrap().is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn create_sandbox(&self, body: Value) -> anyhow::Result<Value> {
        let res = self
            .client
            .post(self.url("/sandbox/v1/sandboxes"))
            .json(&body)
            .send()
            .await?;
        let status = res.status();
        let json: Value = res.json().await?;
        anyhow::ensure!(status.as_u16() == 201, "creating a sandbox answered {status}: {json}");
        Ok(json)
    }

    /// A new sandbox from a scenario of the catalog (`scenarios/`), as [`SandboxHandle`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> anyhow::Result<()> {
    /// let server = pcsandbox_testkit::Sandbox::start().await?;
    /// let sandbox = server.scenario("email-pending").await?;
    /// assert_eq!(sandbox.json()["scenario"], "email-pending");
    /// # Ok(()) }
    /// ```
    pub async fn scenario(&self, name: &str) -> anyhow::Result<SandboxHandle> {
        self.sandbox(json!({ "scenario": name })).await
    }

    /// A new sandbox from any creation body (a named scenario, an inline one, an import).
    ///
    /// ```no_run
    /// # async fn demo(server: pcsandbox_testkit::Sandbox) -> anyhow::Result<()> {
    /// let sandbox = server
    ///     .sandbox(serde_json::json!({"scenario": {"extends": "onboarding", "reviewBusinessDays": 5}}))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn sandbox(&self, body: Value) -> anyhow::Result<SandboxHandle> {
        let json = self.create_sandbox(body).await?;
        Ok(SandboxHandle {
            id: json["id"].as_str().unwrap_or_default().to_owned(),
            json,
            uri: self.uri.clone(),
            authority: self.https_uri().to_owned(),
            client: self.client.clone(),
        })
    }

    /// A handle on a sandbox that exists already (its creation answer), through this server: on
    /// a team server, the same sandbox as another replica sees it.
    pub fn sandbox_handle(&self, created: &Value) -> SandboxHandle {
        SandboxHandle {
            id: created["id"].as_str().unwrap_or_default().to_owned(),
            json: created.clone(),
            uri: self.uri.clone(),
            authority: self.https_uri().to_owned(),
            client: self.client.clone(),
        }
    }

    /// Stops the server and waits until it has drained.
    ///
    /// ```no_run
    /// # async fn demo(server: pcsandbox_testkit::Sandbox) -> anyhow::Result<()> { server.shutdown().await }
    /// ```
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await??;
        }
        Ok(())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// One RSA key for every server of this test process: generating one costs far more than
/// starting a server.
fn shared_signing_key() -> anyhow::Result<String> {
    static KEY: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        identity::SigningKey::generate()
            .map(|k| k.pem().to_owned())
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(anyhow::Error::msg)
}

/// Whether a user token carries the `mfa` claim (as after a real second factor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mfa {
    Yes,
    No,
}

/// One sandbox of a running server: its creation answer (with the credentials shown once) and
/// calls on it through HTTP, as any client would make them.
#[derive(Debug, Clone)]
pub struct SandboxHandle {
    id: String,
    json: Value,
    uri: String,
    authority: String,
    client: reqwest::Client,
}

/// A message of the sandbox's mailbox.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub links: Vec<String>,
    pub sent_at: String,
}

/// A request of the sandbox's journal (newest first), with the refusal it met.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub at: String,
    pub request_id: String,
    pub method: String,
    pub path: String,
    pub operation: String,
    pub status: u16,
    /// `partner-center`, `entra`, `control-plane` or `scenario`.
    pub surface: String,
    pub caller: String,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub refusal: Option<Refusal>,
}

/// Why a request was refused: the rule, the field at fault and what stood behind it.
#[derive(Debug, Clone, Deserialize)]
pub struct Refusal {
    pub code: String,
    #[serde(default)]
    pub field: Option<String>,
    pub explanation: String,
}

impl SandboxHandle {
    /// The sandbox id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The creation answer: tenants, users (with passwords and TOTP secrets), apps (with client
    /// secrets), partners.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// A user's id by id, user principal name, or the alias before `@` when only one user has it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> anyhow::Result<()> {
    /// let server = pcsandbox_testkit::Sandbox::start().await?;
    /// let sandbox = server.scenario("reseller-active").await?;
    /// assert!(sandbox.user_id("admin").is_err(), "four tenants have an admin");
    /// let id = sandbox.user_id("admin@fabrikamjp.onmicrosoft.com")?;
    /// assert_eq!(sandbox.user_id(&id)?, id);
    /// # Ok(()) }
    /// ```
    pub fn user_id(&self, user: &str) -> anyhow::Result<String> {
        api::control::find_user(&self.json, user).map_err(anyhow::Error::msg)
    }

    /// The server's client: trusts its CA, does not follow redirects.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The HTTPS base URL of the mock Entra ID (MSAL's authority, without the tenant).
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// Any control-plane call on this sandbox (`rest` after `/sandbox/v1/sandboxes/{id}`): the
    /// status and the answer.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: pcsandbox_testkit::SandboxHandle) -> anyhow::Result<()> {
    /// let (status, requests) = sandbox.control(reqwest::Method::GET, "/relationship-requests", None).await?;
    /// # Ok(()) }
    /// ```
    pub async fn control(
        &self,
        method: reqwest::Method,
        rest: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        self.call(method, self.cp(rest), body).await
    }

    fn cp(&self, rest: &str) -> String {
        format!("{}/sandbox/v1/sandboxes/{}{rest}", self.uri, self.id)
    }

    async fn call(&self, method: reqwest::Method, url: String, body: Option<Value>) -> anyhow::Result<(u16, Value)> {
        let mut req = self.client.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let text = res.text().await?;
        let json = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, json))
    }

    async fn cp_ok(&self, method: reqwest::Method, rest: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let (status, json) = self.call(method.clone(), self.cp(rest), body).await?;
        anyhow::ensure!(
            (200..300).contains(&status),
            "{method} {rest} answered {status}: {json}"
        );
        Ok(json)
    }

    async fn mint(&self, body: Value) -> anyhow::Result<String> {
        let t = self.cp_ok(reqwest::Method::POST, "/tokens", Some(body)).await?;
        t["access_token"]
            .as_str()
            .map(str::to_owned)
            .context("the token answer has no access_token")
    }

    fn first_app(&self) -> anyhow::Result<&str> {
        self.json["apps"][0]["clientId"]
            .as_str()
            .context("the sandbox has no app")
    }

    /// An app-only token (client credentials) of the sandbox's first app, for Partner Center.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> anyhow::Result<()> {
    /// let server = pcsandbox_testkit::Sandbox::start().await?;
    /// let sandbox = server.scenario("default").await?;
    /// let token = sandbox.app_token().await?;
    /// assert_eq!(sandbox.get_v1("/v1/profiles/legalbusiness", &token).await?.0, 200);
    /// let (status, _) = sandbox.get_v1("/v1/profiles/organization", &token).await?;
    /// assert_eq!(status, 403, "the organization profile wants App+User");
    /// # Ok(()) }
    /// ```
    pub async fn app_token(&self) -> anyhow::Result<String> {
        self.mint(json!({"clientId": self.first_app()?})).await
    }

    /// An App+User token of the first app for a user (id, UPN or unique alias), with or without
    /// the `mfa` claim.
    ///
    /// ```
    /// use pcsandbox_testkit::Mfa;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> anyhow::Result<()> {
    /// let server = pcsandbox_testkit::Sandbox::start().await?;
    /// let sandbox = server.scenario("default").await?;
    /// let without = sandbox.user_token("nomfa", Mfa::No).await?;
    /// let (status, error) = sandbox.get_v1("/v1/profiles/organization", &without).await?;
    /// assert_eq!(status, 401);
    /// assert_eq!(error["code"], 900421, "MFA required");
    /// let with = sandbox.user_token("agent", Mfa::Yes).await?;
    /// assert_eq!(sandbox.get_v1("/v1/profiles/organization", &with).await?.0, 200);
    /// # Ok(()) }
    /// ```
    pub async fn user_token(&self, user: &str, mfa: Mfa) -> anyhow::Result<String> {
        let body = json!({"clientId": self.first_app()?, "userId": self.user_id(user)?, "mfa": mfa == Mfa::Yes});
        self.mint(body).await
    }

    /// An App+User token of the first app for another resource, such as Microsoft Graph
    /// (`https://graph.microsoft.com`) for the GDAP API.
    pub async fn user_token_for(&self, user: &str, mfa: Mfa, audience: &str) -> anyhow::Result<String> {
        let body = json!({"clientId": self.first_app()?, "userId": self.user_id(user)?, "mfa": mfa == Mfa::Yes,
            "audience": audience});
        self.mint(body).await
    }

    /// A Partner Center `/v1` request with a bearer token: the status and the JSON answer
    /// (`null` for an empty body).
    pub async fn v1(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.uri))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let text = res.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// `GET` a Partner Center `/v1` path with a bearer token.
    pub async fn get_v1(&self, path: &str, token: &str) -> anyhow::Result<(u16, Value)> {
        self.v1(reqwest::Method::GET, path, token, None).await
    }

    /// The sandbox as the control plane shows it now (partners, verification, CSP state).
    pub async fn state(&self) -> anyhow::Result<Value> {
        self.cp_ok(reqwest::Method::GET, "", None).await
    }

    /// The partner account of a tenant (by domain), as the control plane shows it now.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> anyhow::Result<()> {
    /// let server = pcsandbox_testkit::Sandbox::start().await?;
    /// let sandbox = server.scenario("company-rejected-address").await?;
    /// let fabrikam = sandbox.partner("fabrikamjp.onmicrosoft.com").await?;
    /// let company = &fabrikam["verification"]["checks"]["company"];
    /// assert_eq!(company["label"]["ja-JP"], "拒否");
    /// assert!(company["reason"]["ja-JP"].as_str().unwrap().contains("市区町村は「千代田区」"));
    /// # Ok(()) }
    /// ```
    pub async fn partner(&self, domain: &str) -> anyhow::Result<Value> {
        let state = self.state().await?;
        let tenant = state["tenants"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["domain"].as_str().is_some_and(|d| d.eq_ignore_ascii_case(domain)))
            .with_context(|| format!("the sandbox has no tenant {domain}"))?;
        Ok(tenant["partner"].clone())
    }

    /// Takes an action as a user would (`register-partner`, `confirm-email`, ...): the status and
    /// the answer, refusals included.
    pub async fn act(&self, action: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        self.call(
            reqwest::Method::POST,
            self.cp(&format!("/actions/{action}")),
            Some(body),
        )
        .await
    }

    /// The mailbox, newest first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> anyhow::Result<()> {
    /// let server = pcsandbox_testkit::Sandbox::start().await?;
    /// let sandbox = server.scenario("email-pending").await?;
    /// let mail = &sandbox.mailbox().await?[0];
    /// assert_eq!(mail.to, "hanako.sato@fabrikam.co.jp");
    /// let (status, page) = sandbox.follow(&mail.links[0]).await?;
    /// assert_eq!(status, 200);
    /// # Ok(()) }
    /// ```
    pub async fn mailbox(&self) -> anyhow::Result<Vec<Mail>> {
        let page = self.cp_ok(reqwest::Method::GET, "/mailbox", None).await?;
        Ok(serde_json::from_value(page["items"].clone())?)
    }

    /// Follows a link (of a mail): the status and the page.
    pub async fn follow(&self, link: &str) -> anyhow::Result<(u16, String)> {
        let res = self.client.get(link).send().await?;
        Ok((res.status().as_u16(), res.text().await?))
    }

    /// Moves the sandbox clock by an ISO 8601 duration (`P8D`, `PT2H`); reviews and link expiries
    /// that fall due happen. Returns the new sandbox time.
    pub async fn advance(&self, duration: &str) -> anyhow::Result<String> {
        let now = self
            .cp_ok(reqwest::Method::POST, "/clock", Some(json!({"advance": duration})))
            .await?;
        Ok(now["now"].as_str().unwrap_or_default().to_owned())
    }

    /// Moves the sandbox clock by business days (Monday to Friday).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> anyhow::Result<()> {
    /// let server = pcsandbox_testkit::Sandbox::start().await?;
    /// let sandbox = server.scenario("employment-in-review").await?;
    /// sandbox.advance_business_days(2).await?;
    /// let fabrikam = sandbox.partner("fabrikamjp.onmicrosoft.com").await?;
    /// assert_eq!(fabrikam["verification"]["status"], "authorized");
    /// # Ok(()) }
    /// ```
    pub async fn advance_business_days(&self, days: u32) -> anyhow::Result<String> {
        let now = self
            .cp_ok(reqwest::Method::POST, "/clock", Some(json!({"businessDays": days})))
            .await?;
        Ok(now["now"].as_str().unwrap_or_default().to_owned())
    }

    /// The journal, newest first: every `/v1` call, token request, control-plane change and
    /// scenario step, with its refusal.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> anyhow::Result<()> {
    /// let server = pcsandbox_testkit::Sandbox::start().await?;
    /// let sandbox = server.scenario("global-id-for-csp").await?;
    /// let requests = sandbox.received_requests().await?;
    /// let refused = requests.iter().find(|r| r.refusal.is_some()).unwrap();
    /// assert_eq!(refused.operation, "action enroll-csp-indirect-reseller");
    /// assert_eq!(refused.refusal.as_ref().unwrap().code, "LocationIdRequired");
    /// # Ok(()) }
    /// ```
    pub async fn received_requests(&self) -> anyhow::Result<Vec<Request>> {
        let page = self.cp_ok(reqwest::Method::GET, "/requests?limit=10000", None).await?;
        Ok(serde_json::from_value(page["items"].clone())?)
    }

    /// The refused requests of the journal, newest first.
    pub async fn refusals(&self) -> anyhow::Result<Vec<Request>> {
        let page = self
            .cp_ok(reqwest::Method::GET, "/requests?refused=true&limit=10000", None)
            .await?;
        Ok(serde_json::from_value(page["items"].clone())?)
    }

    /// Back to the scenario: the world as created, the steps taken again, the clock at real time.
    pub async fn reset(&self) -> anyhow::Result<Value> {
        self.cp_ok(reqwest::Method::POST, "/reset", None).await
    }

    /// The sandbox as one bundle (`GET .../export`), for `Sandbox::sandbox(json!({"import": ...}))`.
    pub async fn export(&self) -> anyhow::Result<Value> {
        self.cp_ok(reqwest::Method::GET, "/export", None).await
    }
}
