//! Build, then run (zero2prod's `Application::build` / `run_until_stopped`): building opens the
//! database, binds the listeners (port 0 allowed) and exposes the chosen ports; running serves
//! until the shutdown future completes, then drains open connections.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use pcsandbox_core::sandboxes::SandboxState;
use pcsandbox_core::{Catalog, Core, CoreSettings};
use store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::idle::Idle;
use crate::settings::Database;
use crate::{AppState, Settings, Urls};

pub struct Server {
    http: TcpListener,
    http_addr: SocketAddr,
    https: Vec<TcpListener>,
    https_addrs: Vec<SocketAddr>,
    tls: Option<TlsAcceptor>,
    ca_path: Option<std::path::PathBuf>,
    state: AppState,
    default_sandbox: Option<(SandboxState, bool)>,
}

/// A secret every replica on this database shares: the first to start stores it.
async fn shared_secret(store: &Store, name: &str, made: &str) -> anyhow::Result<String> {
    let mut tx = store.begin().await?;
    let v = store::secrets::shared(&mut tx, name, made, &chrono::Utc::now().to_rfc3339()).await?;
    tx.commit().await?;
    Ok(v)
}

/// How a bound address reads in a URL: a wildcard bind is reached as `localhost`.
fn url_host(addr: SocketAddr) -> String {
    match addr {
        a if a.ip().is_unspecified() => format!("localhost:{}", a.port()),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        SocketAddr::V4(a) => a.to_string(),
    }
}

/// Raises the soft limit on open files to the hard limit where the OS allows: every connection
/// is a file descriptor, and the common soft limit of 1024 would stop `accept` (and `/healthz`)
/// with a couple of thousand idle clients. Returns the limit in force.
pub fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource};
        let mut limit = getrlimit(Resource::Nofile);
        let hard = limit.maximum.unwrap_or(1 << 20).min(1 << 20);
        if limit.current.is_none_or(|c| c < hard) {
            limit.current = Some(hard);
            if setrlimit(Resource::Nofile, limit).is_err() {
                tracing::debug!("could not raise the open-file limit");
            }
        }
        getrlimit(Resource::Nofile).current
    }
    #[cfg(not(unix))]
    None
}

async fn bind(flag: &str, addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            format!(" (another server has it: stop it, or give this one another port with {flag} 127.0.0.1:0 or a free one)")
        } else {
            String::new()
        };
        anyhow::anyhow!("{flag} {addr}: cannot listen: {e}{hint}")
    })
}

impl Server {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.validate().map_err(anyhow::Error::msg)?;
        raise_open_file_limit();
        let http_listener = bind("--bind", settings.bind).await?;
        let http_addr = http_listener.local_addr()?;
        let mut https = Vec::new();
        for addr in &settings.https_binds {
            https.push(bind("--https-bind", *addr).await?);
        }
        let https_addrs = https
            .iter()
            .map(TcpListener::local_addr)
            .collect::<Result<Vec<_>, _>>()?;
        let store = Store::open(&settings.database).await.map_err(|e| match e {
            store::StoreError::Locked(m) => anyhow::anyhow!(m),
            other => anyhow::anyhow!("--database {}: cannot open: {other}", settings.database),
        })?;
        let tls = if https.is_empty() {
            None
        } else {
            Some(match &settings.tls_files {
                Some((cert, key)) => crate::tls::from_files(cert, key)?,
                None if store.engine() == store::Engine::Postgres => {
                    let made = crate::tls::new_ca()?;
                    let made = serde_json::json!({"key": made.0, "cert": made.1}).to_string();
                    let ca: serde_json::Value = serde_json::from_str(&shared_secret(&store, "https-ca", &made).await?)?;
                    let field = |f: &str| {
                        ca[f]
                            .as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| anyhow::anyhow!("the stored CA has no {f}"))
                    };
                    crate::tls::from_ca(&field("key")?, &field("cert")?, &settings.tls_sans)?
                }
                None => crate::tls::generated(
                    &settings.tls_dir(),
                    settings.database == Database::Ephemeral,
                    &settings.tls_sans,
                )?,
            })
        };
        let portal_key = match store.engine() {
            store::Engine::Sqlite => crate::portal::session::CookieKey::new(&identity::random::OsRandom),
            store::Engine::Postgres => {
                let made = crate::portal::session::CookieKey::new(&identity::random::OsRandom).to_hex();
                crate::portal::session::CookieKey::from_hex(&shared_secret(&store, "portal-cookie-key", &made).await?)
                    .ok_or_else(|| anyhow::anyhow!("the stored portal cookie key is unreadable"))?
            }
        };
        let catalog = match &settings.scenarios_dir {
            Some(dir) => Catalog::with_dir(dir),
            None => Catalog::builtin(),
        }
        .map_err(anyhow::Error::msg)?;
        let keys = pcsandbox_core::keys::load(&store, settings.signing_key_pem.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("token signing key: {e}"))?;
        let own_http = format!("http://{}", url_host(http_addr));
        let mut https_urls: Vec<String> = https_addrs
            .iter()
            .map(|a| format!("https://{}", url_host(*a)))
            .collect();
        let http = match settings
            .public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_owned())
        {
            Some(u) if u.starts_with("https://") => {
                https_urls.insert(0, u);
                own_http
            }
            Some(u) => u,
            None => own_http,
        };
        let urls = Urls {
            http,
            https: https_urls,
        };
        let core = Core::new(
            store,
            catalog,
            keys,
            CoreSettings {
                base_url: urls.http.clone(),
                journal_limit: settings.journal_limit,
                portal_redirect_uris: crate::portal::portal_redirect_uris(&urls),
                outbound: domain::outbound::Policy {
                    listeners: std::iter::once(http_addr).chain(https_addrs.iter().copied()).collect(),
                    public: settings.public_url.as_deref().and_then(domain::outbound::target),
                    allow: settings.outbound_allow.clone(),
                },
                delivery_lease: settings.delivery_lease,
            },
        );
        let ca_pem = tls.as_ref().and_then(|t| t.ca_pem.as_deref()).map(Arc::from);
        let ca_path = tls.as_ref().and_then(|t| t.ca_path.clone());
        let tls = tls.map(|t| TlsAcceptor::from(t.config));
        let default_sandbox = if settings.default_sandbox {
            Some(
                core.ensure_sandbox("default", "default")
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot create the default sandbox: {e}"))?,
            )
        } else {
            None
        };
        let listeners: Vec<SocketAddr> = std::iter::once(http_addr).chain(https_addrs.iter().copied()).collect();
        let names = crate::hosts::Names::new(&listeners, settings.public_url.as_deref(), &settings.tls_sans);
        let state = AppState::new(crate::Shared {
            core,
            urls,
            settings,
            ca_pem,
            portal_key,
            names,
            large_bodies: tokio::sync::Semaphore::new(1),
        });
        Ok(Self {
            http: http_listener,
            http_addr,
            https,
            https_addrs,
            tls,
            ca_path,
            state,
            default_sandbox,
        })
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    pub fn https_addrs(&self) -> &[SocketAddr] {
        &self.https_addrs
    }

    /// The local CA certificate file clients should trust, when the server generated one.
    pub fn ca_path(&self) -> Option<&std::path::Path> {
        self.ca_path.as_deref()
    }

    pub fn urls(&self) -> &Urls {
        &self.state.urls
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The `default` sandbox and whether it was created by this start.
    pub fn default_sandbox(&self) -> Option<&(SandboxState, bool)> {
        self.default_sandbox.as_ref()
    }

    /// The `default` sandbox as the control plane shows it.
    pub fn default_sandbox_json(&self) -> Option<serde_json::Value> {
        let (state, _) = self.default_sandbox.as_ref()?;
        serde_json::to_value(crate::control::sandbox_view(state, &self.state.urls)).ok()
    }

    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let app = crate::app(self.state.clone());
        let (stop_tx, stop_rx) = watch::channel(false);
        let graceful = Arc::new(GracefulShutdown::new());
        let limits = ConnLimits {
            header_read: self.state.settings.header_read_timeout,
            idle: self.state.settings.idle_timeout,
        };
        let mut loops = vec![tokio::spawn(accept_loop(
            self.http,
            None,
            app.clone(),
            stop_rx.clone(),
            graceful.clone(),
            limits,
        ))];
        for listener in self.https {
            loops.push(tokio::spawn(accept_loop(
                listener,
                self.tls.clone(),
                app.clone(),
                stop_rx.clone(),
                graceful.clone(),
                limits,
            )));
        }
        drop(stop_rx);
        shutdown.await;
        tracing::info!("shutting down: no new connections, draining open ones");
        let _ = stop_tx.send(true);
        for l in loops {
            let _ = l.await;
        }
        if let Ok(g) = Arc::try_unwrap(graceful) {
            if tokio::time::timeout(Duration::from_secs(10), g.shutdown())
                .await
                .is_err()
            {
                tracing::warn!("some connections were still open after 10 s; closing them");
            }
        }
        self.state.core.journal.flush().await;
        self.state.core.store.close().await;
        Ok(())
    }
}

/// The timeouts every connection is served with, on both listeners.
#[derive(Debug, Clone, Copy)]
struct ConnLimits {
    header_read: Duration,
    idle: Duration,
}

/// A TLS handshake that has not finished by then (a client that does not trust the CA, or one
/// that never speaks) ends the connection.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    mut stop: watch::Receiver<bool>,
    graceful: Arc<GracefulShutdown>,
    limits: ConnLimits,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                // The peer address, for the journal's source IP (axum's ConnectInfo); the path
                // made canonical for the router (`/V1/Customers/`).
                let with_peer = tower::ServiceExt::map_request(app.clone(), move |mut r: axum::http::Request<hyper::body::Incoming>| {
                    r.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                    crate::partner_center::canonical_request(r)
                });
                // A response marked by a "drop" fault becomes an error: hyper closes the
                // connection without answering.
                let with_peer = tower::ServiceExt::map_result(with_peer, |r: Result<axum::response::Response, std::convert::Infallible>| match r {
                    Ok(res) => crate::faults::to_result(res),
                    Err(never) => match never {},
                });
                let service = TowerToHyperService::new(with_peer);
                let watcher = graceful.watcher();
                let tls = tls.clone();
                tokio::spawn(async move {
                    // The header timeout starts at accept: a connection that sends nothing is
                    // closed then, not kept until the idle timeout (hyper's own timer starts
                    // only once it reads a request, after the protocol is told apart). A TLS
                    // client has the handshake timeout instead.
                    if tls.is_none() {
                        let mut first = [0u8; 1];
                        match tokio::time::timeout(limits.header_read, stream.peek(&mut first)).await {
                            Ok(Ok(n)) if n > 0 => {}
                            _ => {
                                tracing::debug!(%peer, "closing a connection that sent nothing");
                                return;
                            }
                        }
                    }
                    let mut builder = auto::Builder::new(TokioExecutor::new());
                    builder
                        .http1()
                        .timer(TokioTimer::new())
                        .header_read_timeout(limits.header_read);
                    builder
                        .http2()
                        .timer(TokioTimer::new())
                        .keep_alive_interval(Some(Duration::from_secs(30)))
                        .keep_alive_timeout(Duration::from_secs(20))
                        .max_concurrent_streams(256);
                    let (stream, activity) = Idle::new(stream);
                    let served = async {
                        match tls {
                            None => watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned()).await,
                            Some(acceptor) => {
                                let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await else {
                                    return Ok(());
                                };
                                watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned()).await
                            }
                        }
                    };
                    tokio::select! {
                        result = served => {
                            if let Err(e) = result {
                                tracing::debug!(error = %e, "connection ended with an error");
                            }
                        }
                        () = activity.idle_for(limits.idle) => {
                            tracing::debug!(%peer, "closing an idle connection");
                        }
                    }
                });
            }
            _ = stop.changed() => break,
        }
    }
}
