//! Build, then run (zero2prod's `Application::build` / `run_until_stopped`): building opens the
//! database, binds the listeners (port 0 allowed) and exposes the chosen ports; running serves
//! until the shutdown future completes, then drains open connections.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use pcsandbox_core::sandboxes::SandboxState;
use pcsandbox_core::{Catalog, Core};
use store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

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

/// How a bound address reads in a URL: a wildcard bind is reached as `localhost`.
fn url_host(addr: SocketAddr) -> String {
    match addr {
        a if a.ip().is_unspecified() => format!("localhost:{}", a.port()),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        SocketAddr::V4(a) => a.to_string(),
    }
}

impl Server {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.validate().map_err(anyhow::Error::msg)?;
        let http_listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("--bind {}: cannot listen", settings.bind))?;
        let http_addr = http_listener.local_addr()?;
        let mut https = Vec::new();
        for addr in &settings.https_binds {
            https.push(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("--https-bind {addr}: cannot listen"))?,
            );
        }
        let https_addrs = https
            .iter()
            .map(TcpListener::local_addr)
            .collect::<Result<Vec<_>, _>>()?;
        let tls = if https.is_empty() {
            None
        } else {
            Some(match &settings.tls_files {
                Some((cert, key)) => crate::tls::from_files(cert, key)?,
                None => crate::tls::generated(
                    &settings.tls_dir(),
                    settings.database == Database::Memory,
                    &settings.tls_sans,
                )?,
            })
        };
        let store = Store::open(&settings.database)
            .await
            .with_context(|| format!("--database {:?}: cannot open", settings.database))?;
        let catalog = match &settings.scenarios_dir {
            Some(dir) => Catalog::with_dir(dir),
            None => Catalog::builtin(),
        }
        .map_err(anyhow::Error::msg)?;
        let keys = pcsandbox_core::entra::load_signing_keys(&store, settings.signing_key_pem.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("token signing key: {e}"))?;
        let core = Core::new(store, catalog, keys);
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
        let state = AppState {
            core,
            urls: Arc::new(urls),
            settings: Arc::new(settings),
            ca_pem,
        };
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
        let mut loops = vec![tokio::spawn(accept_loop(
            self.http,
            None,
            app.clone(),
            stop_rx.clone(),
            graceful.clone(),
        ))];
        for listener in self.https {
            loops.push(tokio::spawn(accept_loop(
                listener,
                self.tls.clone(),
                app.clone(),
                stop_rx.clone(),
                graceful.clone(),
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

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    mut stop: watch::Receiver<bool>,
    graceful: Arc<GracefulShutdown>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let (stream, peer) = stream;
                let _ = stream.set_nodelay(true);
                // The peer address, for the journal's source IP (axum's ConnectInfo).
                let with_peer = tower::ServiceExt::map_request(app.clone(), move |mut r: axum::http::Request<hyper::body::Incoming>| {
                    r.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                    r
                });
                let service = TowerToHyperService::new(with_peer);
                let watcher = graceful.watcher();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let builder = auto::Builder::new(TokioExecutor::new());
                    let result = match tls {
                        None => watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned()).await,
                        Some(acceptor) => {
                            // A handshake that fails or stalls (a client not trusting the CA) just ends.
                            let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await else {
                                return;
                            };
                            watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned()).await
                        }
                    };
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            _ = stop.changed() => break,
        }
    }
}
