//! An embeddable pcsandbox for Rust tests, like wiremock-rs's `MockServer`: the real server
//! in-process on `127.0.0.1:0` with an in-memory database, shut down on `Drop`.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let server = pcsandbox_testkit::Sandbox::start().await?;
//! let sandbox = server.create_sandbox(serde_json::json!({"scenario": "default"})).await?;
//! assert_eq!(sandbox["tenants"][0]["domain"], "contosojp.onmicrosoft.com");
//! # Ok(()) }
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use anyhow::Context;
use serde_json::Value;
use tokio::sync::oneshot;

pub use api::Settings;

/// A running pcsandbox server.
pub struct Sandbox {
    addr: SocketAddr,
    uri: String,
    https_uri: Option<String>,
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
    pub async fn start_with(mut settings: Settings) -> anyhow::Result<Self> {
        if settings.signing_key_pem.is_none() {
            settings.signing_key_pem = Some(shared_signing_key()?);
        }
        let server = api::Server::build(settings).await?;
        let addr = server.http_addr();
        let uri = server.urls().http.clone();
        let https_uri = server.urls().https.first().cloned();
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
