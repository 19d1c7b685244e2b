//! Read-through caches for the hot paths, made stale per sandbox.
//!
//! Each sandbox has a generation counter. A committed write to a sandbox bumps its counter
//! ([`crate::uow::Write::commit`]); a reader takes a [`Stamp`] of the counter *before* it reads
//! the store and files its result under that stamp, so a read that raced a write is filed under
//! an old generation and never served. A write in one sandbox leaves every other sandbox's
//! entries alone, and checking an entry is one atomic load (the entry holds its counter).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use domain::SandboxId;

/// The generation counters of every sandbox.
#[derive(Debug, Default)]
pub struct Generations {
    cells: RwLock<HashMap<SandboxId, Arc<AtomicU64>>>,
}

/// A sandbox's generation at the moment a read began.
#[derive(Debug, Clone)]
pub struct Stamp {
    cell: Arc<AtomicU64>,
    at: u64,
}

impl Stamp {
    /// No write to the sandbox committed since the stamp was taken.
    pub fn fresh(&self) -> bool {
        self.cell.load(Ordering::Acquire) == self.at
    }
}

impl Generations {
    /// The sandbox's generation now: take it before reading the store.
    pub fn stamp(&self, sandbox: SandboxId) -> Stamp {
        let existing = self.cells.read().ok().and_then(|m| m.get(&sandbox).cloned());
        let cell = match existing {
            Some(c) => c,
            None => {
                let mut m = self.cells.write().unwrap_or_else(|p| p.into_inner());
                m.entry(sandbox).or_default().clone()
            }
        };
        let at = cell.load(Ordering::Acquire);
        Stamp { cell, at }
    }

    /// Makes every entry read from this sandbox before now stale.
    pub fn stale(&self, sandbox: SandboxId) {
        if let Some(c) = self.cells.read().ok().and_then(|m| m.get(&sandbox).cloned()) {
            c.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Every sandbox's entries go stale (another replica's announcements may have been missed).
    pub fn stale_all(&self) {
        let m = self.cells.read().unwrap_or_else(|p| p.into_inner());
        for c in m.values() {
            c.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// The sandbox is gone: its entries go stale and its counter is dropped.
    pub fn forget(&self, sandbox: SandboxId) {
        let mut m = self.cells.write().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = m.remove(&sandbox) {
            c.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// Values read from the store, served while the stamp they were read under is fresh. Keys are
/// hashed with foldhash (seeded per process): the token cache hashes kilobyte-long tokens on
/// every `/v1` request, where SipHash alone cost a microsecond.
pub struct ReadCache<K, V> {
    entries: RwLock<HashMap<K, (Stamp, V), foldhash::fast::RandomState>>,
    max: usize,
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    /// Beyond `max` entries the cache drops the stale ones, then everything.
    pub fn new(max: usize) -> Self {
        Self {
            entries: RwLock::default(),
            max,
        }
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let map = self.entries.read().ok()?;
        map.get(key).filter(|(s, _)| s.fresh()).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, stamp: Stamp, value: V) {
        if !stamp.fresh() {
            return;
        }
        let Ok(mut map) = self.entries.write() else { return };
        if map.len() >= self.max {
            map.retain(|_, (s, _)| s.fresh());
            if map.len() >= self.max {
                map.clear();
            }
        }
        map.insert(key, (stamp, value));
    }

    pub fn len(&self) -> usize {
        self.entries.read().map(|m| m.len()).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sb(n: u8) -> SandboxId {
        SandboxId(uuid::Uuid::from_bytes([n; 16]))
    }

    #[test]
    fn a_write_makes_only_its_own_sandbox_stale() {
        let g = Generations::default();
        let c: ReadCache<&str, u32> = ReadCache::new(10);
        c.put("a", g.stamp(sb(1)), 1);
        c.put("b", g.stamp(sb(2)), 2);
        g.stale(sb(1));
        assert_eq!(c.get("a"), None);
        assert_eq!(c.get("b"), Some(2), "another sandbox's entry survives");
    }

    #[test]
    fn a_read_that_raced_a_write_is_never_served() {
        let g = Generations::default();
        let c: ReadCache<&str, u32> = ReadCache::new(10);
        let read_at = g.stamp(sb(1));
        g.stale(sb(1)); // a write committed while the store was being read
        c.put("a", read_at, 1);
        assert_eq!(c.get("a"), None);
    }

    #[test]
    fn missed_announcements_make_every_sandbox_stale() {
        let g = Generations::default();
        let c: ReadCache<&str, u32> = ReadCache::new(10);
        c.put("a", g.stamp(sb(1)), 1);
        c.put("b", g.stamp(sb(2)), 2);
        g.stale_all();
        assert_eq!((c.get("a"), c.get("b")), (None, None));
    }

    #[test]
    fn a_deleted_sandbox_leaves_nothing_behind() {
        let g = Generations::default();
        let c: ReadCache<&str, u32> = ReadCache::new(10);
        c.put("a", g.stamp(sb(1)), 1);
        g.forget(sb(1));
        assert_eq!(c.get("a"), None);
        assert!(g.cells.read().unwrap().is_empty());
    }

    #[test]
    fn a_full_cache_makes_room() {
        let g = Generations::default();
        let c: ReadCache<u32, u32> = ReadCache::new(2);
        for i in 0..3 {
            c.put(i, g.stamp(sb(1)), i);
        }
        assert_eq!(c.get(&2), Some(2));
        assert!(c.len() <= 2);
    }
}
