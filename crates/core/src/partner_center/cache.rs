//! Read-through caches for the `/v1` hot path, made stale all at once by one generation counter.
//!
//! A use-case that commits a change to anything `/v1` reads (roles, policy, the clock, partners,
//! a reset or deletion) calls [`crate::Core::changed`] *after* the commit. A reader takes the
//! generation *before* reading the store and files its result under it, so a read that raced a
//! write is filed under an old generation and never served.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// The counter every cached read is filed under.
#[derive(Debug, Clone, Default)]
pub struct Generation(Arc<AtomicU64>);

impl Generation {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Makes every entry filed under an earlier generation stale.
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Values read from the store, served while the generation they were read at is current.
pub struct ReadCache<K, V> {
    generation: Generation,
    entries: RwLock<HashMap<K, (u64, V)>>,
    max: usize,
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    /// Beyond `max` entries the cache drops the stale ones, then everything.
    pub fn new(generation: Generation, max: usize) -> Self {
        Self {
            generation,
            entries: RwLock::default(),
            max,
        }
    }

    /// The generation to file a read under: take it before reading the store.
    pub fn generation(&self) -> u64 {
        self.generation.current()
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = self.generation.current();
        let map = self.entries.read().ok()?;
        map.get(key).filter(|(g, _)| *g == now).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, generation: u64, value: V) {
        let Ok(mut map) = self.entries.write() else { return };
        if map.len() >= self.max {
            let now = self.generation.current();
            map.retain(|_, (g, _)| *g == now);
            if map.len() >= self.max {
                map.clear();
            }
        }
        map.insert(key, (generation, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bump_makes_every_entry_stale() {
        let g = Generation::default();
        let c: ReadCache<String, u32> = ReadCache::new(g.clone(), 10);
        c.put("a".into(), c.generation(), 1);
        assert_eq!(c.get("a"), Some(1));
        g.bump();
        assert_eq!(c.get("a"), None);
    }

    #[test]
    fn a_read_that_raced_a_write_is_never_served() {
        let g = Generation::default();
        let c: ReadCache<String, u32> = ReadCache::new(g.clone(), 10);
        let read_at = c.generation();
        g.bump(); // a write committed while the store was being read
        c.put("a".into(), read_at, 1);
        assert_eq!(c.get("a"), None);
    }

    #[test]
    fn a_full_cache_makes_room() {
        let g = Generation::default();
        let c: ReadCache<u32, u32> = ReadCache::new(g.clone(), 2);
        c.put(1, 0, 1);
        c.put(2, 0, 2);
        c.put(3, 0, 3);
        assert_eq!(c.get(&3), Some(3));
        assert!(c.entries.read().unwrap().len() <= 2);
    }
}
