//! Use-cases: one async function per thing a user can do, called by every surface (control
//! plane, portal, `/v1`, scenarios). Rules come from `domain`; storage from `store`.
//!
//! Use-cases take typed commands (ids, enums, dates) and a [`domain::SandboxId`]; every write is
//! one [`uow::Write`].

pub mod actions;
pub mod bundle;
mod bundle_check;
pub mod cache;
pub mod clock;
pub mod csp;
pub mod directory;
pub mod entra;
pub mod error;
pub mod faults;
pub mod gdap;
pub mod keys;
pub mod lookup;
pub mod onboarding;
pub mod partner_center;
pub mod sandboxes;
pub mod scenarios;
pub mod teams;
pub mod uow;
pub mod webhooks;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use identity::Random;
use store::Store;

pub use error::CoreError;
pub use scenarios::Catalog;
pub use uow::UserRef;

/// Real time. Sandbox clocks add their own offset to it.
pub trait RealClock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl RealClock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// What core needs to know about the server it runs in.
#[derive(Debug, Clone)]
pub struct CoreSettings {
    /// The base URL that links in mails and pages use (the plain HTTP listener or the public URL).
    pub base_url: String,
    /// Journaled `/v1` requests kept per sandbox.
    pub journal_limit: usize,
    /// Where the portal's sign-in may send its code: `{origin}/dashboard/signin-oidc` for each
    /// origin the server answers on (see [`entra::PORTAL_CLIENT_ID`]).
    pub portal_redirect_uris: Vec<String>,
    /// Where webhook deliveries may go (never the server itself; see `domain::outbound`).
    pub outbound: domain::outbound::Policy,
    /// How long a process holds a webhook delivery it is sending before another may take it
    /// over (renewed at each attempt); abandoned deliveries are looked for every half of it.
    pub delivery_lease: std::time::Duration,
}

impl Default for CoreSettings {
    fn default() -> Self {
        CoreSettings {
            base_url: "http://127.0.0.1:8080".into(),
            journal_limit: domain::limits::DEFAULT_JOURNAL,
            portal_redirect_uris: Vec::new(),
            outbound: domain::outbound::Policy::default(),
            delivery_lease: std::time::Duration::from_secs(30),
        }
    }
}

/// Everything a use-case needs: storage, randomness, real time, the scenario catalog, the keys
/// and the caches of the hot paths.
#[derive(Clone)]
pub struct Core {
    pub store: Store,
    pub random: Arc<dyn Random>,
    pub clock: Arc<dyn RealClock>,
    pub catalog: Arc<Catalog>,
    /// Token signing keys: the newest signs, all verify.
    pub keys: Arc<keys::Keys>,
    /// Per-sandbox generations: a committed write makes that sandbox's cached reads stale.
    pub caches: Arc<cache::Generations>,
    /// Sandboxes, tenants, apps and partners as the hot paths read them.
    pub lookups: Arc<lookup::Lookups>,
    /// Verified Partner Center tokens.
    pub pc_tokens: Arc<partner_center::TokenCache>,
    /// The `/v1` request journal's writer.
    pub journal: partner_center::Journal,
    /// Faults injected by tests, per sandbox.
    pub faults: Arc<faults::Faults>,
    pub settings: Arc<CoreSettings>,
    /// Webhook events of what a write settled, raised by a worker once the write committed (a
    /// commit cannot await a delivery: delivering is itself a write).
    pub(crate) settled: tokio::sync::mpsc::UnboundedSender<(domain::SandboxId, uow::Event)>,
}

impl Core {
    /// Needs a Tokio runtime: it starts the journal writer.
    pub fn new(store: Store, catalog: Catalog, keys: Arc<keys::Keys>, settings: CoreSettings) -> Self {
        let (settled, mut events) = tokio::sync::mpsc::unbounded_channel();
        let core = Self {
            settled,
            journal: partner_center::Journal::start(store.clone(), settings.journal_limit),
            pc_tokens: Arc::new(partner_center::TokenCache::new()),
            lookups: Arc::new(lookup::Lookups::default()),
            caches: Arc::new(cache::Generations::default()),
            faults: Arc::new(faults::Faults::default()),
            store,
            random: Arc::new(identity::OsRandom),
            clock: Arc::new(SystemClock),
            catalog: Arc::new(catalog),
            keys,
            settings: Arc::new(settings),
        };
        // The worker's own copy sends nowhere, so the channel closes (and the worker ends) when
        // the last other copy of this Core is dropped.
        let mut worker = core.clone();
        worker.settled = tokio::sync::mpsc::unbounded_channel().0;
        let sweep = (core.settings.delivery_lease / 2).max(std::time::Duration::from_millis(100));
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(sweep);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    next = events.recv() => match next {
                        Some((sandbox, (tenant, name, resource, path))) => {
                            worker.emit(sandbox, tenant, name, resource, &path).await;
                        }
                        None => return,
                    },
                    _ = ticks.tick() => {
                        if let Err(e) = worker.resume_abandoned_deliveries().await {
                            tracing::debug!(error = %e, "could not look for abandoned webhook deliveries");
                        }
                    }
                }
            }
        });
        if core.store.engine() == store::Engine::Postgres {
            tokio::spawn(follow_other_replicas(core.store.clone(), Arc::downgrade(&core.caches)));
        }
        core
    }
}

/// On PostgreSQL, other replicas write too: what they announce they changed goes stale here.
/// Until the listener is connected, and after it lost its connection, everything cached may be
/// stale, so everything is. Ends when the Core does.
async fn follow_other_replicas(store: Store, caches: std::sync::Weak<cache::Generations>) {
    let mut listener = None;
    loop {
        let Some(generations) = caches.upgrade() else { return };
        let l = match &mut listener {
            Some(l) => l,
            None => match store.listener().await {
                Ok(Some(l)) => {
                    generations.stale_all();
                    listener.insert(l)
                }
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for other replicas' writes yet; retrying");
                    drop(generations);
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        drop(generations);
        // Wakes now and then to notice that the Core is gone.
        let next = tokio::time::timeout(std::time::Duration::from_secs(5), l.next()).await;
        let Some(generations) = caches.upgrade() else { return };
        match next {
            Err(_) => {}
            Ok(Ok(store::Announcement::Changed(id))) => generations.stale(id),
            Ok(Ok(store::Announcement::Gone(id))) => generations.forget(id),
            Ok(Ok(store::Announcement::Missed)) => generations.stale_all(),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "lost the connection that hears other replicas' writes");
                generations.stale_all();
                listener = None;
            }
        }
    }
}
