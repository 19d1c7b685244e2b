//! Use-cases: one async function per thing a user can do, called by every surface (control
//! plane, portal, `/v1`, scenarios). Rules come from `domain`; storage from `store`.

pub mod clock;
pub mod csp;
pub mod directory;
pub mod entra;
pub mod error;
pub mod onboarding;
pub mod partner_center;
pub mod sandboxes;
pub mod scenarios;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use identity::{KeySet, Random};
use store::Store;

pub use error::CoreError;
pub use scenarios::Catalog;

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

/// Everything a use-case needs: storage, randomness, real time and the scenario catalog.
#[derive(Clone)]
pub struct Core {
    pub store: Store,
    pub random: Arc<dyn Random>,
    pub clock: Arc<dyn RealClock>,
    pub catalog: Arc<Catalog>,
    /// Token signing keys: the newest signs, all verify.
    pub keys: Arc<KeySet>,
    /// Bumped by [`Core::changed`]: every cached read below is filed under it.
    pub generation: partner_center::Generation,
    /// Verified Partner Center tokens.
    pub pc_tokens: Arc<partner_center::TokenCache>,
    /// Partners (legal profile, IDs) by tenant, as `/v1` reads them.
    pub partners: Arc<partner_center::PartnerCache>,
    /// The `/v1` request journal's writer.
    pub journal: partner_center::Journal,
}

impl Core {
    /// Needs a Tokio runtime: it starts the journal writer.
    pub fn new(store: Store, catalog: Catalog, keys: KeySet) -> Self {
        let generation = partner_center::Generation::default();
        Self {
            journal: partner_center::Journal::start(store.clone()),
            pc_tokens: Arc::new(partner_center::TokenCache::new(generation.clone())),
            partners: Arc::new(partner_center::PartnerCache::new(generation.clone(), 10_000)),
            generation,
            store,
            random: Arc::new(identity::OsRandom),
            clock: Arc::new(SystemClock),
            catalog: Arc::new(catalog),
            keys: Arc::new(keys),
        }
    }

    /// Call after committing a change to anything `/v1` reads: every cached read goes stale.
    pub fn changed(&self) {
        self.generation.bump();
    }
}
