//! Cached reads of the hot paths: a sandbox (its clock and policies), a tenant, an app, a
//! partner. The token endpoint and the `/v1` gate run on these with no SQLite round trip while
//! nothing in the sandbox changes; any committed write to the sandbox makes its entries stale.

use std::sync::Arc;

use domain::world::{App, Partner, Sandbox, Tenant};
use domain::{AppId, SandboxId, TenantId};

use crate::cache::ReadCache;
use crate::error::Result;
use crate::Core;

const MAX_ENTRIES: usize = 20_000;

/// A partner and its legal profile's etag (`None`: the tenant is not a partner).
pub type PartnerEntry = Option<Arc<(Partner, String)>>;

pub struct Lookups {
    sandboxes: ReadCache<SandboxId, Arc<Sandbox>>,
    tenants: ReadCache<TenantId, (SandboxId, Arc<Tenant>)>,
    apps: ReadCache<AppId, (SandboxId, Arc<App>)>,
    partners: ReadCache<TenantId, PartnerEntry>,
    /// A sandbox's own key set after a rollover (`None`: the server's).
    keys: ReadCache<SandboxId, Option<Arc<identity::KeySet>>>,
}

impl Default for Lookups {
    fn default() -> Self {
        Lookups {
            sandboxes: ReadCache::new(MAX_ENTRIES),
            tenants: ReadCache::new(MAX_ENTRIES),
            apps: ReadCache::new(MAX_ENTRIES),
            partners: ReadCache::new(MAX_ENTRIES),
            keys: ReadCache::new(MAX_ENTRIES),
        }
    }
}

impl Core {
    /// The keys that sign and verify a sandbox's tokens: its own after a rollover, else the
    /// server's.
    pub async fn keyset_for(&self, sandbox: SandboxId) -> Result<Arc<identity::KeySet>> {
        let own = match self.lookups.keys.get(&sandbox) {
            Some(hit) => hit,
            None => {
                let stamp = self.caches.stamp(sandbox);
                let stored = {
                    let mut c = self.store.conn().await?;
                    store::keys::sandbox_key(&mut c, sandbox).await?
                };
                let own = match stored {
                    None => None,
                    Some(k) => {
                        let key = identity::SigningKey::from_pem(&k.private_pem).map_err(|e| {
                            crate::error::CoreError::Store(store::StoreError::Corrupt(format!(
                                "sandbox key {}: {e}",
                                k.kid
                            )))
                        })?;
                        identity::KeySet::new(vec![key]).map(Arc::new)
                    }
                };
                self.lookups.keys.put(sandbox, stamp, own.clone());
                own
            }
        };
        match own {
            Some(k) => Ok(k),
            None => Ok(self.keys.get().await),
        }
    }

    /// A sandbox by id, as last committed.
    pub async fn sandbox(&self, id: SandboxId) -> Result<Option<Arc<Sandbox>>> {
        if let Some(hit) = self.lookups.sandboxes.get(&id) {
            return Ok(Some(hit));
        }
        let stamp = self.caches.stamp(id);
        let mut c = self.store.conn().await?;
        let Some(sb) = store::sandboxes::get_one(&mut c, id).await? else {
            return Ok(None);
        };
        let sb = Arc::new(sb);
        self.lookups.sandboxes.put(id, stamp, sb.clone());
        Ok(Some(sb))
    }

    /// A tenant by id, with its sandbox.
    pub async fn tenant(&self, id: TenantId) -> Result<Option<(SandboxId, Arc<Tenant>)>> {
        if let Some(hit) = self.lookups.tenants.get(&id) {
            return Ok(Some(hit));
        }
        let mut c = self.store.conn().await?;
        // A tenant never moves between sandboxes: find its sandbox, take that sandbox's stamp,
        // then read the tenant for the cache (a write between the two reads is then caught).
        let Some(sandbox) = store::world::tenant(&mut c, id).await?.map(|(s, _)| s) else {
            return Ok(None);
        };
        let stamp = self.caches.stamp(sandbox);
        let Some((_, t)) = store::world::tenant(&mut c, id).await? else {
            return Ok(None);
        };
        let found = (sandbox, Arc::new(t));
        self.lookups.tenants.put(id, stamp, found.clone());
        Ok(Some(found))
    }

    /// The tenants (in any sandbox) with this domain. Not cached: a sandbox created later may
    /// give another tenant the same domain, which makes the domain ambiguous.
    pub async fn tenants_by_domain(&self, domain: &str) -> Result<Vec<(SandboxId, Arc<Tenant>)>> {
        let mut c = self.store.conn().await?;
        let found = store::world::tenants_by_domain(&mut c, domain).await?;
        Ok(found.into_iter().map(|(s, t)| (s, Arc::new(t))).collect())
    }

    /// An app by client id, with its sandbox.
    pub async fn app(&self, id: AppId) -> Result<Option<(SandboxId, Arc<App>)>> {
        if let Some(hit) = self.lookups.apps.get(&id) {
            return Ok(Some(hit));
        }
        let mut c = self.store.conn().await?;
        let Some(sandbox) = store::world::app(&mut c, id).await?.map(|(s, _)| s) else {
            return Ok(None);
        };
        let stamp = self.caches.stamp(sandbox);
        let Some((_, a)) = store::world::app(&mut c, id).await? else {
            return Ok(None);
        };
        let found = (sandbox, Arc::new(a));
        self.lookups.apps.put(id, stamp, found.clone());
        Ok(Some(found))
    }

    /// The tenant's partner record, read through the cache (`/v1`'s hottest read).
    pub async fn partner_of(&self, sandbox: SandboxId, tenant: TenantId) -> Result<PartnerEntry> {
        if let Some(hit) = self.lookups.partners.get(&tenant) {
            return Ok(hit);
        }
        let stamp = self.caches.stamp(sandbox);
        let mut c = self.store.conn().await?;
        let found = store::profiles::partner(&mut c, tenant).await?.map(Arc::new);
        self.lookups.partners.put(tenant, stamp, found.clone());
        Ok(found)
    }

    /// The sandbox clock of a sandbox, now.
    pub fn sandbox_now(&self, sandbox: &Sandbox) -> chrono::DateTime<chrono::Utc> {
        sandbox.now(self.clock.now())
    }

    /// A sandbox's time, by its id.
    pub async fn sandbox_now_of(&self, id: SandboxId) -> Result<chrono::DateTime<chrono::Utc>> {
        let sb = self
            .sandbox(id)
            .await?
            .ok_or_else(|| crate::error::CoreError::not_found("sandbox", id))?;
        Ok(self.sandbox_now(&sb))
    }
}
